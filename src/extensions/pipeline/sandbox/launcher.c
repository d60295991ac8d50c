/*
 * zinc-sandbox-launcher: the first program run inside zinc's bubblewrap sandbox, as its pid 1.
 *
 * It sets the resource limits, runs the command as its child, bounds its wall time, and tells
 * zinc what happened over a control socket that only it holds (close-on-exec, so the student's
 * program never sees it). The parent process in zinc writes to the same socket to ask for the
 * run to be stopped (output cap reached, cancellation); the launcher then kills every process
 * of the sandbox with kill(-1), reaps the command and still reports its CPU time and peak
 * memory, which zinc could not measure from outside. Being pid 1 of the sandbox's pid
 * namespace, it cannot be killed from inside, reaps every orphan, and takes every process of
 * the sandbox with it when it exits; bwrap exits only after it has.
 *
 * Usage: zinc-sandbox-launcher CONTROL_FD WALL_MS AS_BYTES CPU_SECONDS NPROC FSIZE_BYTES
 *                              NOFILE -- COMMAND [ARG...]
 * (0 for AS_BYTES, CPU_SECONDS or FSIZE_BYTES means "no limit").
 *
 * Lines written to CONTROL_FD:
 *   ready                                 the sandbox is set up and the launcher runs
 *   setup-error WHAT ERRNO                the launcher itself failed (zinc's failure)
 *   exec-error ERRNO                      the command could not be started (exit 127 / 126)
 *   done exit=N signal=N wall_us=N user_us=N sys_us=N maxrss_kb=N stop=none|wall|request
 * A run whose control socket never says "ready", or says "setup-error", failed to set up: that
 * is zinc's failure, never the student's.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef SYS_close_range
#define SYS_close_range 436
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

/* The launcher (the sandbox's pid 1, bwrap --as-pid-1) is charged to RLIMIT_NPROC too, which
 * counts the tasks of the sandbox's user namespace: the command's budget is the limit minus it. */
#define LAUNCHER_TASKS 1

static int control_fd = -1;

static void say(const char *fmt, ...) {
  char line[512];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  if (n < 0) return;
  if ((size_t)n >= sizeof line) n = sizeof line - 1;
  const char *p = line;
  while (n > 0) {
    ssize_t w = write(control_fd, p, (size_t)n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return; /* zinc is gone; nothing to tell */
    }
    p += w;
    n -= (int)w;
  }
}

static void die(const char *what) {
  /* Only for failures of the launcher itself, which zinc reports as the sandbox's. */
  int err = errno;
  say("setup-error %s %d\n", what, err);
  fprintf(stderr, "zinc-sandbox-launcher: %s: %s\n", what, strerror(err));
  _exit(125);
}

static unsigned long long parse_number(const char *text, const char *name) {
  char *end = NULL;
  errno = 0;
  unsigned long long value = strtoull(text, &end, 10);
  if (errno != 0 || end == text || *end != '\0') {
    fprintf(stderr, "zinc-sandbox-launcher: %s is not a number: '%s'\n", name, text);
    _exit(125);
  }
  return value;
}

/* Lowers a limit; never above the inherited hard limit, which only root could raise. Returns
 * errno, 0 on success (it runs in the forked child, which reports through the exec pipe). */
static int set_limit(int resource, rlim_t soft, rlim_t hard) {
  struct rlimit lim;
  if (getrlimit(resource, &lim) != 0) return errno;
  if (lim.rlim_max != RLIM_INFINITY) {
    if (hard > lim.rlim_max) hard = lim.rlim_max;
    if (soft > lim.rlim_max) soft = lim.rlim_max;
  }
  lim.rlim_cur = soft;
  lim.rlim_max = hard;
  return setrlimit(resource, &lim) != 0 ? errno : 0;
}

static long long now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

/* Whatever fds zinc's process inherited reach here through bwrap: none may reach the command. */
static void close_inherited_fds_on_exec(void) {
  if (syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC) == 0) return;
  DIR *dir = opendir("/proc/self/fd"); /* kernels before 5.11 */
  if (dir == NULL) die("opendir /proc/self/fd");
  struct dirent *entry;
  while ((entry = readdir(dir)) != NULL) {
    int fd = atoi(entry->d_name);
    if (fd > 2 && fd != dirfd(dir)) fcntl(fd, F_SETFD, FD_CLOEXEC);
  }
  closedir(dir);
}

/* A core dump handler that is a pipe ("|...") runs on the host even with RLIMIT_CORE 0; the
 * kernel skips it only for the special value 1, so that is used then. */
static rlim_t core_limit(void) {
  char pattern[2] = {0};
  int fd = open("/proc/sys/kernel/core_pattern", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 1;
  ssize_t n = read(fd, pattern, 1);
  close(fd);
  return (n == 1 && pattern[0] != '|') ? 0 : 1;
}

int main(int argc, char **argv) {
  if (argc < 10 || strcmp(argv[8], "--") != 0) {
    fprintf(stderr,
            "usage: zinc-sandbox-launcher CONTROL_FD WALL_MS AS_BYTES CPU_SECONDS NPROC "
            "FSIZE_BYTES NOFILE -- COMMAND [ARG...]\n");
    return 125;
  }
  control_fd = (int)parse_number(argv[1], "CONTROL_FD");
  unsigned long long wall_ms = parse_number(argv[2], "WALL_MS");
  unsigned long long as_bytes = parse_number(argv[3], "AS_BYTES");
  unsigned long long cpu_seconds = parse_number(argv[4], "CPU_SECONDS");
  unsigned long long nproc = parse_number(argv[5], "NPROC");
  unsigned long long fsize_bytes = parse_number(argv[6], "FSIZE_BYTES");
  unsigned long long nofile = parse_number(argv[7], "NOFILE");
  char **command = argv + 9;

  /* Keep the socket (and any other fd) from the command, and the launcher from being ptraced
   * by it (same uid). */
  if (fcntl(control_fd, F_SETFD, FD_CLOEXEC) != 0) die("control fd");
  close_inherited_fds_on_exec();
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  signal(SIGPIPE, SIG_IGN);
  rlim_t core = core_limit();

  /* SIGCHLD arrives through a signalfd; the command gets the normal mask back before exec. */
  sigset_t sigchld, original_mask;
  sigemptyset(&sigchld);
  sigaddset(&sigchld, SIGCHLD);
  if (sigprocmask(SIG_BLOCK, &sigchld, &original_mask) != 0) die("sigprocmask");
  int child_events = signalfd(-1, &sigchld, SFD_CLOEXEC | SFD_NONBLOCK);
  if (child_events < 0) die("signalfd");

  say("ready\n");

  int exec_pipe[2];
  if (pipe2(exec_pipe, O_CLOEXEC) != 0) die("pipe");

  long long start = now_us();
  pid_t child = fork();
  if (child < 0) die("fork");
  if (child == 0) {
    /* failure[0]: 0 = exec failed, 1 = a limit could not be set; failure[1]: errno. */
    int failure[2] = {1, 0};
    close(exec_pipe[0]);
    signal(SIGPIPE, SIG_DFL);
    sigprocmask(SIG_SETMASK, &original_mask, NULL);
    if (as_bytes > 0 && !failure[1]) failure[1] = set_limit(RLIMIT_AS, as_bytes, as_bytes);
    /* SIGXCPU at the soft limit, SIGKILL a second later for a program that ignores it. */
    if (cpu_seconds > 0 && !failure[1])
      failure[1] = set_limit(RLIMIT_CPU, cpu_seconds, cpu_seconds + 1);
    if (!failure[1])
      failure[1] = set_limit(RLIMIT_NPROC, nproc + LAUNCHER_TASKS, nproc + LAUNCHER_TASKS);
    if (fsize_bytes > 0 && !failure[1])
      failure[1] = set_limit(RLIMIT_FSIZE, fsize_bytes, fsize_bytes);
    if (!failure[1]) failure[1] = set_limit(RLIMIT_NOFILE, nofile, nofile);
    if (!failure[1]) failure[1] = set_limit(RLIMIT_CORE, core, core);
    if (!failure[1]) {
      execvp(command[0], command);
      failure[0] = 0;
      failure[1] = errno;
    }
    ssize_t ignored = write(exec_pipe[1], failure, sizeof failure);
    (void)ignored;
    _exit(failure[0] ? 125 : failure[1] == ENOENT ? 127 : 126);
  }
  close(exec_pipe[1]);
  int failure[2] = {0, 0};
  ssize_t got;
  do got = read(exec_pipe[0], failure, sizeof failure);
  while (got < 0 && errno == EINTR);
  close(exec_pipe[0]);
  if (got == (ssize_t)sizeof failure) {
    if (failure[0]) {
      errno = failure[1];
      die("setrlimit");
    }
    say("exec-error %d\n", failure[1]);
  }

  const char *stop = "none";
  int status = 0;
  int child_done = 0;
  long long wall = 0;
  long long deadline = start + (long long)wall_ms * 1000LL;
  struct pollfd fds[2] = {{.fd = child_events, .events = POLLIN},
                          {.fd = control_fd, .events = POLLIN}};
  while (!child_done) {
    int timeout = -1;
    if (strcmp(stop, "none") == 0) {
      long long left_us = deadline - now_us();
      timeout = left_us <= 0 ? 0 : (int)((left_us + 999) / 1000);
    }
    int ready = poll(fds, 2, timeout);
    if (ready < 0) {
      if (errno == EINTR) continue;
      die("poll");
    }
    if (fds[0].revents) {
      struct signalfd_siginfo info;
      while (read(child_events, &info, sizeof info) > 0) continue;
      /* As pid 1 the launcher also inherits every orphan of the command: reap them all, so
       * zombies never hold the command's RLIMIT_NPROC budget. */
      int died_status;
      pid_t died;
      while ((died = waitpid(-1, &died_status, WNOHANG)) > 0) {
        if (died == child) {
          status = died_status;
          child_done = 1;
          wall = now_us() - start;
        }
      }
    }
    if (fds[1].revents) {
      if (strcmp(stop, "none") == 0) {
        stop = "request";
        kill(-1, SIGKILL);
      }
      fds[1].fd = -1; /* asked once (or zinc hung up): stop listening */
    }
    if (ready == 0 && strcmp(stop, "none") == 0) {
      stop = "wall";
      kill(-1, SIGKILL);
    }
  }

  /* Whatever the command left behind (background children) goes with it; their CPU time and
   * memory count with the command's. */
  kill(-1, SIGKILL);
  while (waitpid(-1, NULL, 0) > 0 || errno == EINTR) continue;
  struct rusage usage;
  memset(&usage, 0, sizeof usage);
  getrusage(RUSAGE_CHILDREN, &usage);

  int exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  int term_signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
  say("done exit=%d signal=%d wall_us=%lld user_us=%lld sys_us=%lld maxrss_kb=%ld stop=%s\n",
      exit_code, term_signal, wall,
      (long long)usage.ru_utime.tv_sec * 1000000LL + usage.ru_utime.tv_usec,
      (long long)usage.ru_stime.tv_sec * 1000000LL + usage.ru_stime.tv_usec, usage.ru_maxrss,
      stop);
  return term_signal ? 128 + term_signal : exit_code;
}
