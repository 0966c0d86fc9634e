// Scripted golden-file tests (etcd-raft's datadriven style), shared by the suites that use them.
//
// A file is a list of commands, each followed by "----" and the output it must produce, ending
// at a blank line:
//
//   # a comment
//   command arg key=value
//   optional input lines
//   ----
//   expected output
//
// Set DDB_GOLDEN_REWRITE=1 to rewrite the expected outputs from the actual ones (then review the
// diff: the files are the specification).
#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace ddb::testing {

struct GoldenCase {
  size_t line = 0;  // of the command
  std::string command;
  std::vector<std::string> words;  // positional arguments
  std::map<std::string, std::string> args;  // key=value arguments (and bare words, value "")
  std::string input;
  std::string expected;
};

inline std::vector<GoldenCase> ReadGoldenCases(const std::filesystem::path& file,
                                               std::vector<std::string>* lines) {
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line)) lines->push_back(line);
  std::vector<GoldenCase> cases;
  size_t i = 0;
  while (i < lines->size()) {
    const std::string& l = (*lines)[i];
    if (l.empty() || l[0] == '#') {
      ++i;
      continue;
    }
    GoldenCase c;
    c.line = i + 1;
    std::istringstream words(l);
    words >> c.command;
    std::string word;
    while (words >> word) {
      size_t eq = word.find('=');
      if (eq == std::string::npos) c.words.push_back(word);
      c.args[word.substr(0, eq)] = eq == std::string::npos ? "" : word.substr(eq + 1);
    }
    ++i;
    while (i < lines->size() && (*lines)[i] != "----") c.input += (*lines)[i++] + "\n";
    ++i;  // ----
    while (i < lines->size() && !(*lines)[i].empty()) c.expected += (*lines)[i++] + "\n";
    cases.push_back(std::move(c));
  }
  return cases;
}

inline std::string TrimGolden(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

struct GoldenStats {
  size_t files = 0;
  size_t cases = 0;
};

using GoldenRunner = std::function<std::string(const GoldenCase&)>;

// Runs every *.txt file of `dir` with a fresh runner from `make_runner`, comparing (or, with
// DDB_GOLDEN_REWRITE set, rewriting) each case's output.
inline GoldenStats RunGoldenFiles(const std::filesystem::path& dir,
                                  const std::function<GoldenRunner()>& make_runner) {
  const bool rewrite = std::getenv("DDB_GOLDEN_REWRITE") != nullptr;
  GoldenStats stats;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".txt") continue;
    ++stats.files;
    std::vector<std::string> lines;
    std::vector<GoldenCase> cases = ReadGoldenCases(entry.path(), &lines);
    GoldenRunner run = make_runner();
    std::vector<std::string> actual_outputs;
    for (const GoldenCase& c : cases) {
      std::string actual = TrimGolden(run(c));
      actual_outputs.push_back(actual);
      ++stats.cases;
      if (!rewrite) {
        EXPECT_EQ(actual, TrimGolden(c.expected))
            << entry.path().filename().string() << ":" << c.line << ": " << c.command << "\n"
            << c.input;
      }
    }
    if (rewrite) {
      std::ofstream out(entry.path());
      size_t next = 0;
      for (size_t k = 0; k < cases.size(); ++k) {
        const GoldenCase& c = cases[k];
        for (; next + 1 < c.line; ++next) out << lines[next] << "\n";  // comments, blanks
        out << lines[next++] << "\n";                                    // the command
        while (next < lines.size() && lines[next] != "----") out << lines[next++] << "\n";
        out << "----\n" << actual_outputs[k] << "\n";
        ++next;
        while (next < lines.size() && !lines[next].empty()) ++next;  // the old output
      }
      for (; next < lines.size(); ++next) out << lines[next] << "\n";
    }
  }
  return stats;
}

}  // namespace ddb::testing
