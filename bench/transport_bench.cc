// transport_bench: what one request/response round trip over ddb's transport costs, with
// nothing behind it. A child process serves, the parent runs N client threads for a fixed
// time; both ways carry a body the size of a PutItem's (1.1 KB in, 100 bytes out).
//
// Two servers, one after the other:
//   zmq   a bare ZeroMQ ROUTER socket answering on its own thread (ZeroMQ's own floor);
//   net   ddb's net::Server with a fast path that answers at once (what a node pays per
//         request before it does any work: frame decoding, the proxy thread, the outbox).
// Clients are net::Client (the same as ddb-bench's) for both.
//
// Prints ops/s, latency percentiles and the CPU time per round trip: the client process's,
// the whole machine's (from /proc/stat, so the kernel's network and wake-up work is counted
// wherever it ran) and the server process's. Figures go to docs/benchmarks.md.
//
// Usage: build/bench/transport_bench [--clients 1,16] [--seconds 4] [--servers zmq,net]
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <zmq.hpp>

#include "bench/bench_util.h"
#include "libddb/net/client.h"
#include "libddb/net/server.h"
#include "libddb/proto/codec.h"

namespace {

constexpr size_t kRequestBytes = 1100;
constexpr size_t kResponseBytes = 100;

// CPU seconds (user + system) another process has used so far.
double ProcessCpu(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  std::getline(in, line);
  std::istringstream fields(line.substr(line.rfind(')') + 2));
  std::string skip;
  for (int i = 3; i < 14; ++i) fields >> skip;  // fields 3..13
  double utime = 0, stime = 0;
  fields >> utime >> stime;
  return (utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// The child: serves on a free loopback port, writes the port's address to `fd`, serves until
// killed.
[[noreturn]] void Serve(const std::string& kind, int fd) {
  std::string address;
  const std::string response_body(kResponseBytes, 'r');
  if (kind == "zmq") {
    zmq::context_t context(1);
    zmq::socket_t socket(context, zmq::socket_type::router);
    socket.bind("tcp://127.0.0.1:*");
    address = socket.get(zmq::sockopt::last_endpoint);
    (void)!write(fd, address.data(), address.size());
    close(fd);
    for (;;) {
      zmq::message_t route, delimiter, frame;  // the client's DEALER sends [empty, frame]
      if (!socket.recv(route) || !socket.recv(delimiter) || !socket.recv(frame)) continue;
      auto request = ddb::proto::DecodeRequest(frame.to_string_view());
      ddb::proto::ResponseEnvelope response;
      response.id = request.ok() ? request->id : 0;
      response.body = response_body;
      std::string out = ddb::proto::EncodeResponse(response);
      socket.send(route, zmq::send_flags::sndmore);
      socket.send(delimiter, zmq::send_flags::sndmore);
      socket.send(zmq::buffer(out), zmq::send_flags::none);
    }
  }
  ddb::net::Server server([](const ddb::proto::RequestEnvelope&) { return ddb::proto::ResponseEnvelope{}; }, 1);
  server.SetFastPath([&](const ddb::proto::RequestEnvelope& request, ddb::net::Server::Respond respond) {
    ddb::proto::ResponseEnvelope response;
    response.id = request.id;
    response.body = response_body;
    respond(std::move(response));
    return true;
  });
  auto bound = server.Start("tcp://127.0.0.1:*");
  address = bound.ok() ? *bound : "";
  (void)!write(fd, address.data(), address.size());
  close(fd);
  for (;;) pause();
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<int> clients = {1, 16};
  double seconds = 4;
  std::vector<std::string> servers = {"zmq", "net"};
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--clients") {
      clients.clear();
      for (const std::string& c : ddb::bench::SplitCommas(argv[i + 1])) clients.push_back(std::stoi(c));
    }
    if (flag == "--seconds") seconds = std::stod(argv[i + 1]);
    if (flag == "--servers") servers = ddb::bench::SplitCommas(argv[i + 1]);
  }
  const std::string request_body(kRequestBytes, 'q');
  for (const std::string& kind : servers) {
    int fds[2];
    if (pipe(fds) != 0) return 1;
    const pid_t child = fork();
    if (child == 0) {
      close(fds[0]);
      Serve(kind, fds[1]);
    }
    close(fds[1]);
    char buf[256];
    const ssize_t n = read(fds[0], buf, sizeof buf);
    close(fds[0]);
    if (n <= 0) {
      std::fprintf(stderr, "transport_bench: the %s server did not start\n", kind.c_str());
      return 1;
    }
    const std::string address(buf, static_cast<size_t>(n));
    for (int c : clients) {
      struct State {
        std::unique_ptr<ddb::net::Client> client;
      };
      const double server0 = ProcessCpu(child);
      ddb::bench::Figures f = ddb::bench::Run<State>(
          c, seconds,
          [&](int) {
            auto connected = ddb::net::Client::Connect(address);
            return State{connected.ok() ? std::move(*connected) : nullptr};
          },
          [&](State& s, int, int64_t) { return s.client && s.client->Call("Echo", request_body).ok(); });
      const std::string what = "round trip, " + kind + " server";
      ddb::bench::Print(what.c_str(), c, f);
      std::printf("  (of which the server process %.1f us)\n",
                  (ProcessCpu(child) - server0) / std::max(1.0, f.ops_per_sec * seconds) * 1e6);
    }
    kill(child, SIGKILL);
    waitpid(child, nullptr, 0);
  }
  return 0;
}
