#include "libddb/http/server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace ddb::http {
namespace {

// A blocking loopback client for the tests.
class Conn {
 public:
  explicit Conn(int port) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  }
  ~Conn() { close(fd_); }
  int fd() const { return fd_; }
  bool connected() const { return connected_; }
  void Send(const std::string& s) { ASSERT_EQ(write(fd_, s.data(), s.size()), static_cast<ssize_t>(s.size())); }
  // Reads until `n` complete responses are buffered (by Content-Length), EOF, or `wait`.
  std::vector<std::string> ReadResponses(size_t n, bool* eof = nullptr,
                                         std::chrono::milliseconds wait = std::chrono::seconds(5)) {
    std::vector<std::string> out;
    auto deadline = std::chrono::steady_clock::now() + wait;
    while (out.size() < n && std::chrono::steady_clock::now() < deadline) {
      if (TakeResponse(&out)) continue;
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, 100) <= 0) continue;
      char buf[4096];
      ssize_t r = read(fd_, buf, sizeof buf);
      if (r <= 0) {
        if (eof) *eof = true;
        break;
      }
      buf_.append(buf, static_cast<size_t>(r));
    }
    while (out.size() < n && TakeResponse(&out)) {}
    return out;
  }
  // True if the server closed the connection within 5 s (a close with unread input arrives as
  // a reset).
  bool ClosedByPeer() {
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, 5000) <= 0) return false;
    char c;
    ssize_t n = read(fd_, &c, 1);
    return n == 0 || (n < 0 && errno == ECONNRESET);
  }

 private:
  bool TakeResponse(std::vector<std::string>* out) {
    size_t head = buf_.find("\r\n\r\n");
    if (head == std::string::npos) return false;
    size_t cl = buf_.find("Content-Length: ");
    size_t len = 0;
    if (cl != std::string::npos && cl < head) len = std::stoul(buf_.substr(cl + 16));
    if (buf_.size() < head + 4 + len) return false;
    out->push_back(buf_.substr(0, head + 4 + len));
    buf_.erase(0, head + 4 + len);
    return true;
  }
  int fd_ = -1;
  bool connected_ = false;
  std::string buf_;
};

std::string Body(const std::string& response) { return response.substr(response.find("\r\n\r\n") + 4); }

// Answers every request at once with `answer`, except those for /later..., which wait until
// Release() (through the server's event source, as the gateway's cluster answers do).
class ServerTest : public ::testing::Test {
 protected:
  void StartServer(std::function<Response(Request&)> answer) {
    efd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    Server::EventSource source;
    source.fds = {efd_};
    source.on_event = [this] {
      uint64_t v;
      while (read(efd_, &v, sizeof v) > 0) {}
      std::vector<std::pair<std::string, Server::Respond>> now;
      now.swap(waiting_);
      for (auto& [target, respond] : now) {
        Response r;
        r.body = "later:" + target;
        respond(r);
      }
    };
    source.next_timeout_ms = [] { return -1; };
    ServerOptions o;
    o.listen = "127.0.0.1:0";
    auto s = Server::Start(
        o,
        [this, answer = std::move(answer)](Request& r, Server::Respond respond) {
          if (r.target.rfind("/later", 0) == 0) {
            waiting_.emplace_back(r.target, std::move(respond));
            return;
          }
          respond(answer(r));
        },
        std::move(source));
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    server_ = std::move(s).value();
  }
  // Answers the waiting /later requests (on the server's thread).
  void Release() {
    uint64_t one = 1;
    ASSERT_EQ(write(efd_, &one, sizeof one), 8);
  }
  void TearDown() override {
    if (server_) server_->Stop();
    if (efd_ >= 0) close(efd_);
  }
  std::unique_ptr<Server> server_;
  int efd_ = -1;
  std::vector<std::pair<std::string, Server::Respond>> waiting_;  // the server's thread only
};

Response Echo(Request& r) {
  Response out;
  out.headers.push_back({"X-Method", r.method});
  out.body = r.target + "|" + r.body;
  return out;
}

TEST_F(ServerTest, AnswersManyRequestsOnOneKeepAliveConnection) {
  StartServer(Echo);
  Conn c(server_->port());
  ASSERT_TRUE(c.connected());
  for (int i = 0; i < 20; ++i) {
    std::string body = "body" + std::to_string(i);
    c.Send("POST /p" + std::to_string(i) + " HTTP/1.1\r\nContent-Length: " + std::to_string(body.size()) +
           "\r\n\r\n" + body);
    auto r = c.ReadResponses(1);
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << r[0];
    EXPECT_NE(r[0].find("Connection: keep-alive"), std::string::npos);
    EXPECT_NE(r[0].find("X-Method: POST"), std::string::npos);
    EXPECT_EQ(Body(r[0]), "/p" + std::to_string(i) + "|" + body);
  }
}

TEST_F(ServerTest, PipelinedRequestsAreAnsweredInOrder) {
  StartServer(Echo);
  Conn c(server_->port());
  // The third request is answered later: the ones behind it wait for it.
  std::string all;
  for (int i = 0; i < 10; ++i) {
    all += std::string("GET /") + (i == 2 ? "later" : "") + std::to_string(i) + " HTTP/1.1\r\n\r\n";
  }
  c.Send(all);
  auto r = c.ReadResponses(2);
  ASSERT_EQ(r.size(), 2u);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_TRUE(c.ReadResponses(1, nullptr, std::chrono::milliseconds(100)).empty())
      << "an answer overtook the one still to come";
  Release();
  auto rest = c.ReadResponses(8);
  ASSERT_EQ(rest.size(), 8u);
  r.insert(r.end(), rest.begin(), rest.end());
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(Body(r[i]), i == 2 ? "later:/later2" : "/" + std::to_string(i) + "|");
  }
}

TEST_F(ServerTest, ConnectionCloseIsHonoured) {
  StartServer(Echo);
  Conn c(server_->port());
  c.Send("GET / HTTP/1.1\r\nConnection: close\r\n\r\n");
  auto r = c.ReadResponses(1);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_NE(r[0].find("Connection: close"), std::string::npos);
  EXPECT_TRUE(c.ClosedByPeer());
}

TEST_F(ServerTest, MalformedRequestGetsAStatusAndTheConnectionCloses) {
  std::atomic<int> calls{0};
  StartServer([&](Request& r) {
    calls++;
    return Echo(r);
  });
  Conn c(server_->port());
  c.Send("POST / HTTP/1.1\r\nContent-Length: nope\r\n\r\n");
  auto r = c.ReadResponses(1);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].rfind("HTTP/1.1 400 Bad Request", 0), 0u) << r[0];
  EXPECT_TRUE(c.ClosedByPeer());
  EXPECT_EQ(calls.load(), 0) << "the handler never sees a malformed request";
}

// A client sends its whole body before it reads the answer (as HTTP clients and the SDKs do):
// a body over the limit gets 413, and the server reads and drops the rest instead of closing
// under the client, whose sends would fail (a reset) before it ever saw the 413.
TEST_F(ServerTest, AnOversizedBodyGets413AfterTheClientHasSentIt) {
  std::atomic<int> calls{0};
  StartServer([&](Request& r) {
    calls++;
    return Echo(r);
  });
  Conn c(server_->port());
  const size_t body = 20u << 20;  // over the 16 MB limit
  c.Send("POST / HTTP/1.1\r\nContent-Length: " + std::to_string(body) + "\r\n\r\n");
  const std::string chunk(256 << 10, 'x');
  size_t sent = 0;
  while (sent < body) {
    ssize_t n = ::send(c.fd(), chunk.data(), std::min(chunk.size(), body - sent), MSG_NOSIGNAL);
    ASSERT_GT(n, 0) << "the server closed while the body was being sent: " << std::strerror(errno)
                    << " after " << sent << " bytes";
    sent += static_cast<size_t>(n);
  }
  auto r = c.ReadResponses(1);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].rfind("HTTP/1.1 413 Payload Too Large", 0), 0u) << r[0];
  EXPECT_NE(r[0].find("Connection: close"), std::string::npos);
  ::shutdown(c.fd(), SHUT_WR);
  EXPECT_TRUE(c.ClosedByPeer());
  EXPECT_EQ(calls.load(), 0);
}

TEST_F(ServerTest, ExpectContinueGetsAnInterimResponse) {
  StartServer(Echo);
  Conn c(server_->port());
  c.Send("POST / HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n");
  auto r = c.ReadResponses(1);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0], "HTTP/1.1 100 Continue\r\n\r\n");
  c.Send("data");
  r = c.ReadResponses(1);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(Body(r[0]), "/|data");
}

TEST_F(ServerTest, ASlowRequestDoesNotHoldUpOtherConnections) {
  StartServer(Echo);
  Conn slow(server_->port());
  slow.Send("GET /later HTTP/1.1\r\n\r\n");
  Conn fast(server_->port());
  fast.Send("GET /fast HTTP/1.1\r\n\r\n");
  auto r = fast.ReadResponses(1);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(Body(r[0]), "/fast|");
  Release();
  r = slow.ReadResponses(1);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(Body(r[0]), "later:/later");
  // An answer that comes later may close the connection too.
  Conn closing(server_->port());
  closing.Send("GET /later HTTP/1.1\r\nConnection: close\r\n\r\n");
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  Release();
  ASSERT_EQ(closing.ReadResponses(1).size(), 1u);
  EXPECT_TRUE(closing.ClosedByPeer());
}

// A client that sends its request and shuts its sending side gets the answer, even when the
// end of its stream is read while the request is still being answered.
TEST_F(ServerTest, AClientThatShutsItsSideStillGetsTheAnswer) {
  StartServer(Echo);
  Conn c(server_->port());
  c.Send("GET /later HTTP/1.1\r\n\r\n");
  ASSERT_EQ(shutdown(c.fd(), SHUT_WR), 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // the server reads the end
  Release();
  auto r = c.ReadResponses(1);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(Body(r[0]), "later:/later");
  EXPECT_TRUE(c.ClosedByPeer());
}

// Requests sent while an earlier one is being answered are read ahead and answered after it,
// in order.
TEST_F(ServerTest, RequestsReadAheadWhileOneIsAnsweredAreServedInOrder) {
  StartServer(Echo);
  Conn c(server_->port());
  c.Send("GET /later HTTP/1.1\r\n\r\n");
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  c.Send("GET /a HTTP/1.1\r\n\r\nGET /b HTTP/1.1\r\n\r\n");
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  Release();
  auto r = c.ReadResponses(3);
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(Body(r[0]), "later:/later");
  EXPECT_EQ(Body(r[1]), "/a|");
  EXPECT_EQ(Body(r[2]), "/b|");
}

TEST_F(ServerTest, ManyConcurrentConnections) {
  StartServer(Echo);
  constexpr int kConnections = 300;
  std::vector<std::unique_ptr<Conn>> conns;
  for (int i = 0; i < kConnections; ++i) {
    conns.push_back(std::make_unique<Conn>(server_->port()));
    ASSERT_TRUE(conns.back()->connected());
  }
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < kConnections; ++i) conns[i]->Send("GET /" + std::to_string(i) + " HTTP/1.1\r\n\r\n");
    for (int i = 0; i < kConnections; ++i) {
      auto r = conns[i]->ReadResponses(1);
      ASSERT_EQ(r.size(), 1u) << "connection " << i;
      EXPECT_EQ(Body(r[0]), "/" + std::to_string(i) + "|");
    }
  }
}

TEST_F(ServerTest, LargeResponsesAreWrittenWhole) {
  StartServer([](Request&) {
    Response r;
    r.body.assign(8 * 1024 * 1024, 'x');
    return r;
  });
  Conn c(server_->port());
  c.Send("GET / HTTP/1.1\r\n\r\n");
  auto r = c.ReadResponses(1);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(Body(r[0]).size(), 8u * 1024 * 1024);
}

TEST_F(ServerTest, StopsWithOpenConnections) {
  StartServer(Echo);
  Conn a(server_->port()), b(server_->port());
  a.Send("GET / HTTP/1.1\r\n\r\n");
  ASSERT_EQ(a.ReadResponses(1).size(), 1u);
  b.Send("GET / HTT");  // half a request
  server_->Stop();
  EXPECT_TRUE(a.ClosedByPeer());
  EXPECT_TRUE(b.ClosedByPeer());
}

TEST_F(ServerTest, AClientThatDoesNotReadIsPushedBack) {
  // 64 KB answers to pipelined requests whose answers are never read: once the socket's
  // buffers are full, the server must stop taking requests (their answers would pile up in
  // its memory without bound).
  std::atomic<int> answered{0};
  StartServer([&](Request&) {
    answered++;
    Response r;
    r.body.assign(64 * 1024, 'x');
    return r;
  });
  Conn c(server_->port());
  int fd = c.fd();
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  std::string requests;
  for (int i = 0; i < 20000; ++i) requests += "GET / HTTP/1.1\r\n\r\n";
  size_t sent = 0;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  while (sent < requests.size() && std::chrono::steady_clock::now() < deadline) {
    ssize_t n = send(fd, requests.data() + sent, requests.size() - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<size_t>(n);
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  // Loopback buffers hold a few MB: some hundreds of answers, not thousands.
  EXPECT_LT(answered.load(), 2000) << "the server answered " << answered.load()
                                   << " requests whose answers nobody read";
}

TEST(ServerStartTest, RefusesBadAddressesAndBusyPorts) {
  auto echo = [](Request& r, Server::Respond respond) { respond(Echo(r)); };
  ServerOptions o;
  o.listen = "nonsense";
  EXPECT_TRUE(Server::Start(o, echo).status().IsValidation());
  o.listen = "127.0.0.1:0";
  auto first = Server::Start(o, echo);
  ASSERT_TRUE(first.ok());
  o.listen = "127.0.0.1:" + std::to_string(first.value()->port());
  auto second = Server::Start(o, echo);
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.status().message().find("bind"), std::string::npos) << second.status().ToString();
}

}  // namespace
}  // namespace ddb::http
