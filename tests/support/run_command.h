// Runs a command line in a shell and captures its stdout, stderr and exit code (for CLI tests).
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

namespace amdhal::testing {

struct CommandResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// Runs `command` through /bin/sh with stdout and stderr captured to temporary files.
inline CommandResult run_command(const std::string& command) {
  char out_tmpl[] = "/tmp/amdhal-test-out-XXXXXX";
  char err_tmpl[] = "/tmp/amdhal-test-err-XXXXXX";
  const int out_fd = mkstemp(out_tmpl);
  const int err_fd = mkstemp(err_tmpl);
  close(out_fd);
  close(err_fd);
  const std::string full =
      "(" + command + ") >" + std::string(out_tmpl) + " 2>" + err_tmpl + " </dev/null";
  const int status = std::system(full.c_str());
  CommandResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = read_file(out_tmpl);
  r.err = read_file(err_tmpl);
  unlink(out_tmpl);
  unlink(err_tmpl);
  return r;
}

}  // namespace amdhal::testing
