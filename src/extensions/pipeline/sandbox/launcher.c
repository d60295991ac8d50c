/*
 * zinc-sandbox-launcher: pid 1 of one delivery's bubblewrap sandbox.
 *
 * One sandbox serves a whole delivery: zinc sends the delivery's files once, then one run at a
 * time (a compile, a make, each test). The launcher keeps /work (a size- and inode-bounded
 * tmpfs) in its own mount namespace and starts every run in a fresh one:
 *
 *   - a build run (compile, make, shellExec) works on /work itself: what it makes stays;
 *   - an isolated run (a test) works on a fresh copy of /work in a tmpfs of its own, thrown
 *     away afterwards: nothing a test writes reaches another test or a later stage;
 *   - every run gets a fresh /tmp and /dev/shm, its stdin in a sealed memfd that no other run
 *     can reach, joins its cgroups (when zinc passed their folders), drops every capability,
 *     gets its rlimits and zinc's seccomp deny-list, then execs the command.
 *
 * Being pid 1 of the sandbox's pid namespace, the launcher kills every process of a run with
 * kill(-1) when it ends, cannot be killed from inside, and takes everything with it when it
 * exits. It is not dumpable, so a run (same uid, no capabilities) cannot ptrace it or open
 * /proc/1/root.
 *
 * Usage: zinc-sandbox-launcher CONTROL_FD WORK_BYTES WORK_INODES [CONTROLLER=DIR_FD...]
 * Each DIR_FD is the sandbox's open cgroup folder of one controller. The launcher joins the cpu
 * one itself, once (moving between cpu cgroups is slow); each run joins `build` or `test` of
 * the others.
 *
 * The control socket carries frames: one type byte, a little-endian u32 length, the payload.
 * zinc -> launcher:
 *   F  files: { u32 path length, path, u32 mode, u64 size, bytes }...   (answer: k, or f TEXT)
 *      a mode with S_IFDIR set is a folder (size 0), given its mode once every file is in
 *   R  run: u8 flags (1: isolated, 2: no memory cgroup), u64 wall_ms, u64 as_bytes (0: none), u64 cpu_s (0: none), u64 nproc,
 *      u64 fsize, u64 nofile, u64 output_bytes, u64 tmp_bytes, u32 argc, argv..., u32 envc,
 *      env... (each u32 length + bytes), then the rest of the frame is stdin
 *   S  stop the current run (output cap, cancellation)
 *   L  list /work's regular files                                  (answer: l, NUL-separated)
 *   G  u64 max_bytes: snapshot /work after the build stages (the build cache), once every
 *      process of the sandbox is gone        (answer: g u8 1 { u8 kind f|d, u32 path length,
 *      path, u32 mode, u64 size, bytes }..., or g u8 0 TEXT: why /work cannot be cached)
 * launcher -> zinc:
 *   r  ready;  E TEXT  the launcher failed (zinc's failure, never the student's)
 *   o BYTES / e BYTES  the run's stdout / stderr, at most output_bytes each
 *   x ERRNO  the command could not be executed
 *   d TEXT   done: exit= signal= wall_us= user_us= sys_us= maxrss_kb= stop=none|wall|request|
 *            output work_full=0|1
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/sendfile.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>

/* Which launcher.c this binary was built from (scripts/build-sandbox-helper.sh passes the sha256 of
 * this file): zinc refuses a launcher built from another version of it (launcher-version.ts), so
 * a worker upgraded without rebuilding its launcher says so instead of failing every delivery. */
#ifndef ZINC_LAUNCHER_SOURCE_SHA256
#define ZINC_LAUNCHER_SOURCE_SHA256 "unknown"
#endif
__attribute__((used)) static const char launcher_source[] =
    "zinc-sandbox-launcher-source=" ZINC_LAUNCHER_SOURCE_SHA256 ";";
#include <unistd.h>

#ifndef SYS_close_range
#define SYS_close_range 436
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif
#ifndef AF_VSOCK
#define AF_VSOCK 40
#endif

#define WORK "/work"
#define RUNS "/.zinc/runs"
#define MAX_FRAME (1u << 30)
#define MAX_CGROUPS 8
#define MAX_LISTED 10000
/* The launcher is charged to RLIMIT_NPROC too (the tasks of the sandbox's user namespace). */
#define LAUNCHER_TASKS 1

static int control_fd = -1;
static int cgroup_fds[MAX_CGROUPS];
static int cgroup_count = 0;
static unsigned long long work_bytes, work_inodes;
static unsigned run_counter = 0;

/* ---- the control socket ---- */

static int write_all(int fd, const void *data, size_t n) {
  const char *p = data;
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

static int read_all(int fd, void *data, size_t n) {
  char *p = data;
  while (n > 0) {
    ssize_t r = read(fd, p, n);
    if (r < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    if (r == 0) return -1;
    p += r;
    n -= (size_t)r;
  }
  return 0;
}

static void send_frame(char type, const void *data, uint32_t len) {
  unsigned char head[5] = {(unsigned char)type, len & 0xff, (len >> 8) & 0xff, (len >> 16) & 0xff,
                           (len >> 24) & 0xff};
  if (write_all(control_fd, head, 5) != 0 || (len > 0 && write_all(control_fd, data, len) != 0)) {
    /* zinc is gone: nothing is left to do for anyone. */
    kill(-1, SIGKILL);
    _exit(0);
  }
}

static void sendf(char type, const char *fmt, ...) {
  char text[512];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(text, sizeof text, fmt, ap);
  va_end(ap);
  if (n < 0) n = 0;
  if ((size_t)n >= sizeof text) n = sizeof text - 1;
  send_frame(type, text, (uint32_t)n);
}

static void die(const char *what) {
  int err = errno;
  sendf('E', "%s %d", what, err);
  fprintf(stderr, "zinc-sandbox-launcher: %s: %s\n", what, strerror(err));
  kill(-1, SIGKILL);
  _exit(125);
}

/* A frame's payload, read whole. */
struct frame {
  char type;
  uint32_t len;
  unsigned char *data;
};

static int read_frame(struct frame *out) {
  unsigned char head[5];
  if (read_all(control_fd, head, 5) != 0) return -1;
  out->type = (char)head[0];
  out->len = (uint32_t)head[1] | (uint32_t)head[2] << 8 | (uint32_t)head[3] << 16 |
             (uint32_t)head[4] << 24;
  if (out->len > MAX_FRAME) {
    errno = EMSGSIZE;
    die("frame");
  }
  out->data = malloc(out->len + 1);
  if (out->data == NULL) die("malloc");
  if (out->len > 0 && read_all(control_fd, out->data, out->len) != 0) return -1;
  out->data[out->len] = 0;
  return 0;
}

/* A cursor over a payload; running past its end is zinc's bug, reported as such. */
struct cursor {
  const unsigned char *p, *end;
};

static uint64_t take_u(struct cursor *c, int bytes) {
  if (c->end - c->p < bytes) {
    errno = EPROTO;
    die("short frame");
  }
  uint64_t v = 0;
  for (int i = bytes - 1; i >= 0; i--) v = v << 8 | c->p[i];
  c->p += bytes;
  return v;
}

static char *take_string(struct cursor *c) {
  uint64_t n = take_u(c, 4);
  if ((uint64_t)(c->end - c->p) < n) {
    errno = EPROTO;
    die("short string");
  }
  char *s = strndup((const char *)c->p, n);
  if (s == NULL) die("strndup");
  c->p += n;
  return s;
}

/* ---- files ---- */

static int make_parents(char *path) {
  for (char *slash = strchr(path, '/'); slash != NULL; slash = strchr(slash + 1, '/')) {
    *slash = 0;
    int rc = mkdir(path, 0755);
    int err = errno;
    *slash = '/';
    if (rc != 0 && err != EEXIST) return -1;
  }
  return 0;
}

/* Writes the F frame's files under /work; every path was checked by zinc (relative, no ..).
 * Folders (a build cache's snapshot) are made writable first and get their modes at the end. */
static void put_files(struct frame *frame) {
  struct cursor c = {frame->data, frame->data + frame->len};
  int folders = 0;
  if (chdir(WORK) != 0) die("chdir /work");
  while (c.p < c.end) {
    char *path = take_string(&c);
    uint32_t raw = (uint32_t)take_u(&c, 4);
    mode_t mode = (mode_t)raw & 0777;
    uint64_t size = take_u(&c, 8);
    if ((uint64_t)(c.end - c.p) < size) {
      errno = EPROTO;
      die("short file");
    }
    if (path[0] == '/' || make_parents(path) != 0) {
      sendf('f', "%s: %s", path, strerror(errno));
      free(path);
      return;
    }
    if ((raw & S_IFMT) == S_IFDIR) {
      folders = 1;
      if (mkdir(path, 0700) != 0 && errno != EEXIST) {
        sendf('f', "%s: %s", path, strerror(errno));
        free(path);
        return;
      }
      free(path);
      continue;
    }
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
    if (fd < 0 || write_all(fd, c.p, size) != 0) {
      int err = errno;
      if (fd >= 0) close(fd);
      sendf('f', "%s: %s", path, strerror(err));
      free(path);
      return;
    }
    fchmod(fd, mode);
    close(fd);
    c.p += size;
    free(path);
  }
  /* Folder modes last, deepest first (the frame lists a folder before what is in it). */
  if (folders) {
    size_t count = 0, cap = 16;
    char **paths = malloc(cap * sizeof *paths);
    mode_t *modes = malloc(cap * sizeof *modes);
    if (paths == NULL || modes == NULL) die("malloc");
    c.p = frame->data;
    while (c.p < c.end) {
      char *path = take_string(&c);
      uint32_t raw = (uint32_t)take_u(&c, 4);
      uint64_t size = take_u(&c, 8);
      c.p += size;
      if ((raw & S_IFMT) != S_IFDIR) {
        free(path);
        continue;
      }
      if (count == cap) {
        cap *= 2;
        paths = realloc(paths, cap * sizeof *paths);
        modes = realloc(modes, cap * sizeof *modes);
        if (paths == NULL || modes == NULL) die("realloc");
      }
      paths[count] = path;
      modes[count++] = (mode_t)raw & 0777;
    }
    while (count > 0) {
      count--;
      chmod(paths[count], modes[count]);
      free(paths[count]);
    }
    free(paths);
    free(modes);
  }
  send_frame('k', NULL, 0);
}

/* ---- the build cache's snapshot of /work ---- */

struct snapshot {
  unsigned char *buf;
  size_t len, cap;
  uint64_t bytes, max_bytes;
  char why[256];
};

static int snap_put(struct snapshot *s, const void *data, size_t n) {
  if (s->len + n > s->cap) {
    size_t cap = (s->len + n) * 2;
    unsigned char *grown = realloc(s->buf, cap);
    if (grown == NULL) {
      snprintf(s->why, sizeof s->why, "out of memory");
      return -1;
    }
    s->buf = grown;
    s->cap = cap;
  }
  memcpy(s->buf + s->len, data, n);
  s->len += n;
  return 0;
}

static int snap_entry(struct snapshot *s, char kind, const char *rel, mode_t mode, uint64_t size) {
  unsigned char head[4];
  uint32_t n = (uint32_t)strlen(rel), m = (uint32_t)(mode & 0777);
  if (snap_put(s, &kind, 1) != 0) return -1;
  for (int i = 0; i < 4; i++) head[i] = (unsigned char)(n >> (8 * i));
  if (snap_put(s, head, 4) != 0 || snap_put(s, rel, n) != 0) return -1;
  for (int i = 0; i < 4; i++) head[i] = (unsigned char)(m >> (8 * i));
  if (snap_put(s, head, 4) != 0) return -1;
  unsigned char sz[8];
  for (int i = 0; i < 8; i++) sz[i] = (unsigned char)(size >> (8 * i));
  return snap_put(s, sz, 8);
}

/* Adds the folder `dir` (open) and everything in it; anything but folders and regular files
 * (a symlink, a FIFO, a socket), an unreadable entry or too many bytes makes /work uncacheable. */
static int snap_tree(struct snapshot *s, int dir, const char *prefix) {
  DIR *d = fdopendir(dir);
  if (d == NULL) {
    snprintf(s->why, sizeof s->why, "%s: cannot be read", *prefix ? prefix : ".");
    close(dir);
    return -1;
  }
  struct dirent *entry;
  int rc = 0;
  while (rc == 0 && (entry = readdir(d)) != NULL) {
    const char *name = entry->d_name;
    if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0) continue;
    char rel[PATH_MAX];
    if (snprintf(rel, sizeof rel, "%s%s%s", prefix, *prefix ? "/" : "", name) >= (int)sizeof rel) {
      snprintf(s->why, sizeof s->why, "a path is too long");
      rc = -1;
      break;
    }
    struct stat st;
    if (fstatat(dirfd(d), name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
      snprintf(s->why, sizeof s->why, "%.200s: cannot be read", rel);
      rc = -1;
    } else if (S_ISDIR(st.st_mode)) {
      int sub = openat(dirfd(d), name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (sub < 0) {
        snprintf(s->why, sizeof s->why, "%.200s: cannot be read", rel);
        rc = -1;
      } else {
        rc = snap_entry(s, 'd', rel, st.st_mode, 0);
        if (rc == 0) rc = snap_tree(s, sub, rel);
      }
    } else if (S_ISREG(st.st_mode)) {
      s->bytes += (uint64_t)st.st_size;
      if (s->bytes > s->max_bytes) {
        snprintf(s->why, sizeof s->why, "/work holds more than %llu bytes",
                 (unsigned long long)s->max_bytes);
        rc = -1;
        break;
      }
      int in = openat(dirfd(d), name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
      if (in < 0) {
        snprintf(s->why, sizeof s->why, "%.200s: cannot be read", rel);
        rc = -1;
        break;
      }
      rc = snap_entry(s, 'f', rel, st.st_mode, (uint64_t)st.st_size);
      if (rc == 0 && s->len + (size_t)st.st_size > s->cap) {
        size_t cap = (s->len + (size_t)st.st_size) * 2;
        unsigned char *grown = realloc(s->buf, cap);
        if (grown == NULL) {
          snprintf(s->why, sizeof s->why, "out of memory");
          rc = -1;
        } else {
          s->buf = grown;
          s->cap = cap;
        }
      }
      if (rc == 0 && read_all(in, s->buf + s->len, (size_t)st.st_size) != 0) {
        snprintf(s->why, sizeof s->why, "%.200s: cannot be read", rel);
        rc = -1;
      }
      if (rc == 0) s->len += (size_t)st.st_size;
      close(in);
    } else {
      snprintf(s->why, sizeof s->why, "%.200s is not a regular file or folder", rel);
      rc = -1;
    }
  }
  closedir(d);
  return rc;
}

/* Answers a G frame. Every process of the sandbox is killed and reaped first, so nothing a
 * build left running can change /work while it is read. */
static void snapshot_work(struct frame *frame) {
  struct cursor c = {frame->data, frame->data + frame->len};
  struct snapshot s = {NULL, 0, 0, 0, take_u(&c, 8), ""};
  kill(-1, SIGKILL);
  while (waitpid(-1, NULL, 0) > 0 || errno == EINTR) continue;
  unsigned char ok = 1;
  int rc = snap_put(&s, &ok, 1);
  int dir = open(WORK, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (rc == 0 && dir < 0) {
    snprintf(s.why, sizeof s.why, "/work cannot be read");
    rc = -1;
  }
  if (rc == 0) rc = snap_tree(&s, dir, "");
  else if (dir >= 0) close(dir);
  if (rc == 0 && s.len <= MAX_FRAME) {
    send_frame('g', s.buf, (uint32_t)s.len);
  } else {
    size_t n = strlen(s.why);
    unsigned char *out = malloc(n + 1);
    if (out == NULL) die("malloc");
    out[0] = 0;
    memcpy(out + 1, s.why, n);
    send_frame('g', out, (uint32_t)(n + 1));
    free(out);
  }
  free(s.buf);
}

struct listing {
  char *buf;
  size_t len, cap;
  int count;
};

static void list_into(struct listing *out, const char *dir, const char *prefix) {
  DIR *d = opendir(dir);
  if (d == NULL) return;
  struct dirent *entry;
  while ((entry = readdir(d)) != NULL && out->count < MAX_LISTED) {
    if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0) continue;
    char path[PATH_MAX], rel[PATH_MAX];
    if (snprintf(path, sizeof path, "%s/%s", dir, entry->d_name) >= (int)sizeof path) continue;
    if (snprintf(rel, sizeof rel, "%s%s%s", prefix, *prefix ? "/" : "", entry->d_name) >=
        (int)sizeof rel)
      continue;
    struct stat st;
    if (lstat(path, &st) != 0) continue;
    if (S_ISDIR(st.st_mode)) {
      list_into(out, path, rel);
    } else if (S_ISREG(st.st_mode)) {
      size_t n = strlen(rel) + 1;
      if (out->len + n > out->cap) {
        out->cap = (out->len + n) * 2;
        out->buf = realloc(out->buf, out->cap);
        if (out->buf == NULL) die("realloc");
      }
      memcpy(out->buf + out->len, rel, n);
      out->len += n;
      out->count++;
    }
  }
  closedir(d);
}

/* Copies the tree at `from` into the (empty) folder `to`: folders, regular files and symlinks;
 * FIFOs and sockets a build left are not copied. */
static int copy_tree(int from, int to) {
  DIR *d = fdopendir(from);
  if (d == NULL) return -1;
  struct dirent *entry;
  int rc = 0;
  while (rc == 0 && (entry = readdir(d)) != NULL) {
    const char *name = entry->d_name;
    if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0) continue;
    struct stat st;
    if (fstatat(from, name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
    if (S_ISDIR(st.st_mode)) {
      if (mkdirat(to, name, 0700) != 0) return -1;
      int sub_from = openat(from, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      int sub_to = openat(to, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (sub_from < 0 || sub_to < 0) {
        /* A folder the build made unreadable (chmod 000) is copied empty. */
        if (sub_from >= 0) close(sub_from);
        if (sub_to >= 0) close(sub_to);
        fchmodat(to, name, st.st_mode & 07777, 0);
        continue;
      }
      rc = copy_tree(sub_from, sub_to);
      fchmod(sub_to, st.st_mode & 07777);
      close(sub_to);
    } else if (S_ISREG(st.st_mode)) {
      int in = openat(from, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
      if (in < 0) continue; /* unreadable to the sandbox user: the run could not read it either */
      int out = openat(to, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
      if (out < 0) {
        close(in);
        return -1;
      }
      off_t left = st.st_size;
      while (left > 0) {
        /* Two tmpfs are two superblocks: copy_file_range would say EXDEV. */
        ssize_t n = sendfile(out, in, NULL, (size_t)left);
        if (n <= 0) {
          if (n < 0 && errno == EINTR) continue;
          rc = -1;
          break;
        }
        left -= n;
      }
      fchmod(out, st.st_mode & 07777);
      close(in);
      close(out);
    } else if (S_ISLNK(st.st_mode)) {
      char target[PATH_MAX];
      ssize_t n = readlinkat(from, name, target, sizeof target - 1);
      if (n < 0) continue;
      target[n] = 0;
      if (symlinkat(target, to, name) != 0) return -1;
    }
  }
  closedir(d);
  return rc;
}

/* ---- one run ---- */

struct run_request {
  int isolated, strict_memory;
  uint64_t wall_ms, as_bytes, cpu_s, nproc, fsize, nofile, output_bytes, tmp_bytes;
  char **argv;
  char **envp;
  const unsigned char *stdin_data;
  size_t stdin_len;
};

static void parse_run(struct frame *frame, struct run_request *req) {
  struct cursor c = {frame->data, frame->data + frame->len};
  unsigned flags = (unsigned)take_u(&c, 1);
  req->isolated = flags & 1;
  req->strict_memory = (flags & 2) != 0;
  req->wall_ms = take_u(&c, 8);
  req->as_bytes = take_u(&c, 8);
  req->cpu_s = take_u(&c, 8);
  req->nproc = take_u(&c, 8);
  req->fsize = take_u(&c, 8);
  req->nofile = take_u(&c, 8);
  req->output_bytes = take_u(&c, 8);
  req->tmp_bytes = take_u(&c, 8);
  uint64_t argc = take_u(&c, 4);
  if (argc == 0 || argc > 100000) {
    errno = EPROTO;
    die("argc");
  }
  req->argv = calloc(argc + 1, sizeof(char *));
  for (uint64_t i = 0; i < argc; i++) req->argv[i] = take_string(&c);
  uint64_t envc = take_u(&c, 4);
  if (envc > 100000) {
    errno = EPROTO;
    die("envc");
  }
  req->envp = calloc(envc + 1, sizeof(char *));
  for (uint64_t i = 0; i < envc; i++) req->envp[i] = take_string(&c);
  req->stdin_data = c.p;
  req->stdin_len = (size_t)(c.end - c.p);
}

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

/* The deny-list, after container runtimes' defaults: kernel interfaces a graded program never
 * needs and that widen the kernel's attack surface or reach outside the sandbox. */
static const char *const DENIED_SYSCALLS[] = {
    "io_uring_setup", "io_uring_enter", "io_uring_register", "userfaultfd", "perf_event_open",
    "bpf", "keyctl", "add_key", "request_key", "ptrace", "process_vm_readv",
    "process_vm_writev", "kcmp", "mount", "umount", "umount2", "pivot_root", "move_mount",
    "open_tree", "fsopen", "fsconfig", "fsmount", "fspick", "mount_setattr", "chroot",
    "unshare", "setns", "init_module", "finit_module", "delete_module", "create_module",
    "kexec_load", "kexec_file_load", "reboot", "swapon", "swapoff", "acct", "syslog",
    "quotactl", "quotactl_fd", "lookup_dcookie", "name_to_handle_at", "open_by_handle_at",
    "settimeofday", "clock_settime", "clock_adjtime", "adjtimex", "stime", "iopl", "ioperm",
    "vhangup", "nfsservctl", "uselib", "ustat", "sysfs", "_sysctl", "fanotify_init",
    "get_kernel_syms", "query_module", "vm86", "vm86old", "landlock_create_ruleset",
    "pidfd_getfd", NULL};

/* The two filters (with and without memfd_create), compiled once at start. */
static struct sock_fprog filters[2];

/* Compiles the deny-list into classic BPF for `strict_memory`; returns errno, 0 on success. */
static int compile_seccomp(int strict_memory, struct sock_fprog *out) {
  scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
  if (ctx == NULL) return ENOMEM;
  int rc = 0;
  for (const char *const *name = DENIED_SYSCALLS; *name != NULL && rc == 0; name++) {
    int nr = seccomp_syscall_resolve_name(*name);
    if (nr == __NR_SCMP_ERROR) continue; /* not on this architecture */
    rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 0);
  }
  /* Sockets: only UNIX, IPv4 and IPv6 (no netlink, packet, vsock, bluetooth...). */
  if (rc == 0)
    rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EAFNOSUPPORT), SCMP_SYS(socket), 1,
                          SCMP_A0(SCMP_CMP_GT, AF_INET6));
  if (rc == 0)
    rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EAFNOSUPPORT), SCMP_SYS(socket), 1,
                          SCMP_A0(SCMP_CMP_LT, AF_UNIX));
  for (int i = AF_UNIX + 1; rc == 0 && i < AF_INET6; i++) {
    if (i == AF_INET) continue;
    rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EAFNOSUPPORT), SCMP_SYS(socket), 1,
                          SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)i));
  }
  if (rc == 0)
    rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EAFNOSUPPORT), SCMP_SYS(socketpair), 1,
                          SCMP_A0(SCMP_CMP_NE, AF_UNIX));
  /* Pushing characters into a terminal's input. */
  if (rc == 0)
    rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(ioctl), 1,
                          SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, TIOCSTI));
  if (rc == 0)
    rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(ioctl), 1,
                          SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, TIOCLINUX));
  /* New namespaces through clone; clone3 passes its flags in memory, so it is refused with
   * ENOSYS and libc falls back to clone. */
  static const unsigned long namespaces[] = {CLONE_NEWNS,  CLONE_NEWUTS, CLONE_NEWIPC,
                                             CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET,
                                             CLONE_NEWCGROUP};
  for (size_t i = 0; rc == 0 && i < sizeof namespaces / sizeof *namespaces; i++)
    rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), 1,
                          SCMP_A0(SCMP_CMP_MASKED_EQ, namespaces[i], namespaces[i]));
  if (rc == 0) {
    int nr = seccomp_syscall_resolve_name("clone3");
    if (nr != __NR_SCMP_ERROR) rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), nr, 0);
  }
  /* personality: the flags that weaken the address space (no randomisation, executable reads,
   * page zero, 3 GiB layouts) are refused, and so is the query 0xffffffff, which has them all. */
  static const unsigned long weakening[] = {0x0040000, 0x0400000, 0x0100000, 0x0200000,
                                            0x8000000, 0x0800000};
  for (size_t i = 0; rc == 0 && i < sizeof weakening / sizeof *weakening; i++)
    rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(personality), 1,
                          SCMP_A0(SCMP_CMP_MASKED_EQ, weakening[i], weakening[i]));
  /* Without a memory cgroup, memory a run holds outside its address space (a memfd) would be
   * counted nowhere: memfd_create is refused then. */
  if (rc == 0 && strict_memory)
    rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(memfd_create), 0);
  int fd = rc == 0 ? memfd_create("seccomp", MFD_CLOEXEC) : -1;
  if (rc == 0 && fd < 0) rc = -errno;
  if (rc == 0) rc = seccomp_export_bpf(ctx, fd);
  seccomp_release(ctx);
  if (rc == 0) {
    off_t size = lseek(fd, 0, SEEK_END);
    out->len = (unsigned short)(size / (off_t)sizeof(struct sock_filter));
    out->filter = malloc((size_t)size);
    if (out->filter == NULL || pread(fd, out->filter, (size_t)size, 0) != size) rc = -EIO;
  }
  if (fd >= 0) close(fd);
  return rc < 0 ? -rc : rc;
}

/* Loads a compiled filter in the calling process (no_new_privs is set: bwrap set it). */
static int install_seccomp(int strict_memory) {
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return errno;
  if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &filters[strict_memory ? 1 : 0]) != 0)
    return errno;
  return 0;
}

static int drop_capabilities(void) {
  if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0) return errno;
  /* The bounding set holds only what bwrap added, and dropping from it needs CAP_SETPCAP,
   * which the launcher lacks: with no_new_privs set and no capability left in the permitted,
   * effective, inheritable and ambient sets, nothing can bring one back. */
  struct __user_cap_header_struct head = {_LINUX_CAPABILITY_VERSION_3, 0};
  struct __user_cap_data_struct data[2];
  memset(data, 0, sizeof data);
  if (syscall(SYS_capset, &head, data) != 0) return errno;
  return 0;
}

static int write_text(int dirfd, const char *path, const char *text) {
  int fd = openat(dirfd, path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return errno;
  int rc = write_all(fd, text, strlen(text)) == 0 ? 0 : errno;
  close(fd);
  return rc;
}

/* In the forked child: the run's own mount namespace, cgroups, limits, filter, then exec.
 * Never returns; a failure goes to `report` as {stage, errno}. */
static void start_run(struct run_request *req, const char *copy, int stdin_fd, int out_fd,
                      int err_fd, int report) {
  int failure[2] = {1, 0};
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  signal(SIGPIPE, SIG_DFL);
#define FAIL(stage)                                                                           \
  do {                                                                                        \
    failure[0] = stage;                                                                       \
    failure[1] = errno ? errno : EINVAL;                                                      \
    goto fail;                                                                                \
  } while (0)
  errno = 0;
  for (int i = 0; i < cgroup_count; i++) {
    int err = write_text(cgroup_fds[i], req->isolated ? "test/cgroup.procs" : "build/cgroup.procs",
                         "0");
    if (err != 0) {
      errno = err;
      FAIL(2);
    }
  }
  if (unshare(CLONE_NEWNS) != 0) FAIL(3);
  if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) FAIL(3);
  if (copy != NULL && mount(copy, WORK, NULL, MS_BIND | MS_REC, NULL) != 0) FAIL(3);
  char options[96];
  snprintf(options, sizeof options, "size=%llu,nr_inodes=%llu,mode=1777",
           (unsigned long long)req->tmp_bytes, (unsigned long long)(work_inodes));
  if (mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, options) != 0) FAIL(3);
  if (mount("tmpfs", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, options) != 0) FAIL(3);
  if (umount2(RUNS, MNT_DETACH) != 0) FAIL(3);
  if (chdir(WORK) != 0) FAIL(3);
  if (dup2(stdin_fd, 0) < 0 || dup2(out_fd, 1) < 0 || dup2(err_fd, 2) < 0) FAIL(3);
  if (drop_capabilities() != 0) FAIL(4);
  int err = 0;
  if (req->as_bytes > 0 && !err) err = set_limit(RLIMIT_AS, req->as_bytes, req->as_bytes);
  /* SIGXCPU at the soft limit, SIGKILL a second later for a program that ignores it. */
  if (req->cpu_s > 0 && !err) err = set_limit(RLIMIT_CPU, req->cpu_s, req->cpu_s + 1);
  if (!err) err = set_limit(RLIMIT_NPROC, req->nproc + LAUNCHER_TASKS, req->nproc + LAUNCHER_TASKS);
  if (req->fsize > 0 && !err) err = set_limit(RLIMIT_FSIZE, req->fsize, req->fsize);
  if (!err) err = set_limit(RLIMIT_NOFILE, req->nofile, req->nofile);
  if (!err) {
    rlim_t core = core_limit();
    err = set_limit(RLIMIT_CORE, core, core);
  }
  if (err) {
    errno = err;
    FAIL(5);
  }
  err = install_seccomp(req->strict_memory);
  if (err) {
    errno = err;
    FAIL(6);
  }
  execvpe(req->argv[0], req->argv, req->envp);
  failure[0] = 0;
  failure[1] = errno;
fail:;
  ssize_t ignored = write(report, failure, sizeof failure);
  (void)ignored;
  _exit(failure[0] ? 125 : failure[1] == ENOENT ? 127 : 126);
#undef FAIL
}

static long long now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

static const char *const SETUP_STAGES[] = {"exec", "setup", "cgroup", "mounts",
                                           "capabilities", "setrlimit", "seccomp"};

/* Drains what `fd` has, forwarding it up to the cap; returns 0 at EOF. */
static int forward(int fd, char type, uint64_t *sent, uint64_t cap, int *exceeded) {
  char buf[65536];
  ssize_t n = read(fd, buf, sizeof buf);
  if (n < 0) return errno == EINTR || errno == EAGAIN ? 1 : 0;
  if (n == 0) return 0;
  uint64_t room = cap > *sent ? cap - *sent : 0;
  uint64_t keep = (uint64_t)n < room ? (uint64_t)n : room;
  if (keep > 0) send_frame(type, buf, (uint32_t)keep);
  *sent += keep;
  if ((uint64_t)n > room) *exceeded = 1;
  return 1;
}

static void run(struct frame *frame, int child_events) {
  struct run_request req;
  parse_run(frame, &req);
  char copy[64] = {0};
  if (req.isolated) {
    snprintf(copy, sizeof copy, RUNS "/%u", ++run_counter);
    char options[96];
    snprintf(options, sizeof options, "size=%llu,nr_inodes=%llu,mode=0755",
             (unsigned long long)work_bytes, (unsigned long long)work_inodes);
    if (mkdir(copy, 0700) != 0) die("mkdir run");
    if (mount("tmpfs", copy, "tmpfs", MS_NOSUID | MS_NODEV, options) != 0) die("mount run");
    int from = open(WORK, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int to = open(copy, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (from < 0 || to < 0) die("open work");
    if (copy_tree(from, to) != 0) die("copy work");
    close(to);
  }
  int stdin_fd = memfd_create("stdin", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (stdin_fd < 0) die("memfd");
  if (req.stdin_len > 0 && write_all(stdin_fd, req.stdin_data, req.stdin_len) != 0) die("stdin");
  if (lseek(stdin_fd, 0, SEEK_SET) != 0) die("lseek");
  fcntl(stdin_fd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE);
  int out[2], err[2], report[2];
  if (pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0 || pipe2(report, O_CLOEXEC) != 0)
    die("pipe");

  long long start = now_us();
  pid_t child = fork();
  if (child < 0) die("fork");
  if (child == 0) start_run(&req, req.isolated ? copy : NULL, stdin_fd, out[1], err[1], report[1]);
  close(out[1]);
  close(err[1]);
  close(report[1]);
  close(stdin_fd);

  int failure[2] = {0, 0};
  ssize_t got;
  do got = read(report[0], failure, sizeof failure);
  while (got < 0 && errno == EINTR);
  close(report[0]);
  if (got == (ssize_t)sizeof failure) {
    if (failure[0]) {
      errno = failure[1];
      kill(-1, SIGKILL);
      die(SETUP_STAGES[failure[0]]);
    }
    sendf('x', "%d", failure[1]);
  }

  const char *stop = "none";
  int status = 0, child_done = 0, out_open = 1, err_open = 1, exceeded = 0;
  long long wall = 0, deadline = start + (long long)req.wall_ms * 1000LL;
  uint64_t out_sent = 0, err_sent = 0;
  struct rusage usage, total;
  memset(&total, 0, sizeof total);
  while (!child_done || out_open || err_open) {
    struct pollfd fds[4] = {{.fd = child_events, .events = POLLIN},
                            {.fd = control_fd, .events = POLLIN},
                            {.fd = out_open ? out[0] : -1, .events = POLLIN},
                            {.fd = err_open ? err[0] : -1, .events = POLLIN}};
    int timeout = -1;
    if (strcmp(stop, "none") == 0 && !child_done) {
      long long left = deadline - now_us();
      timeout = left <= 0 ? 0 : (int)((left + 999) / 1000);
    }
    int ready = poll(fds, 4, timeout);
    if (ready < 0) {
      if (errno == EINTR) continue;
      die("poll");
    }
    if (fds[0].revents) {
      struct signalfd_siginfo info;
      while (read(child_events, &info, sizeof info) > 0) continue;
      int died_status;
      pid_t died;
      while ((died = wait4(-1, &died_status, WNOHANG, &usage)) > 0) {
        total.ru_utime.tv_sec += usage.ru_utime.tv_sec;
        total.ru_utime.tv_usec += usage.ru_utime.tv_usec;
        total.ru_stime.tv_sec += usage.ru_stime.tv_sec;
        total.ru_stime.tv_usec += usage.ru_stime.tv_usec;
        if (usage.ru_maxrss > total.ru_maxrss) total.ru_maxrss = usage.ru_maxrss;
        if (died == child) {
          status = died_status;
          child_done = 1;
          wall = now_us() - start;
          /* What the command left running (background children) goes with it; the pipes
           * then close. */
          kill(-1, SIGKILL);
        }
      }
    }
    if (fds[1].revents) {
      struct frame request;
      if (read_frame(&request) != 0) {
        kill(-1, SIGKILL);
        _exit(0);
      }
      if (request.type == 'S' && strcmp(stop, "none") == 0 && !child_done) {
        stop = "request";
        kill(-1, SIGKILL);
      }
      free(request.data);
    }
    if (out_open && fds[2].revents)
      out_open = forward(out[0], 'o', &out_sent, req.output_bytes, &exceeded);
    if (err_open && fds[3].revents)
      err_open = forward(err[0], 'e', &err_sent, req.output_bytes, &exceeded);
    if (exceeded && strcmp(stop, "none") == 0 && !child_done) {
      stop = "output";
      kill(-1, SIGKILL);
    }
    if (ready == 0 && strcmp(stop, "none") == 0 && !child_done) {
      stop = "wall";
      kill(-1, SIGKILL);
    }
  }
  close(out[0]);
  close(err[0]);
  if (strcmp(stop, "none") == 0 && exceeded) stop = "output";

  int work_full = 0;
  struct statvfs fs;
  if (statvfs(req.isolated ? copy : WORK, &fs) == 0)
    work_full = fs.f_bavail * fs.f_frsize < 65536 || fs.f_favail < 2;
  if (req.isolated) {
    if (umount2(copy, MNT_DETACH) != 0) die("umount run");
    rmdir(copy);
  }
  int exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  int term_signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
  sendf('d', "exit=%d signal=%d wall_us=%lld user_us=%lld sys_us=%lld maxrss_kb=%ld stop=%s "
             "work_full=%d",
        exit_code, term_signal, wall,
        (long long)total.ru_utime.tv_sec * 1000000LL + total.ru_utime.tv_usec,
        (long long)total.ru_stime.tv_sec * 1000000LL + total.ru_stime.tv_usec, total.ru_maxrss,
        stop, work_full);
  for (char **p = req.argv; *p; p++) free(*p);
  for (char **p = req.envp; *p; p++) free(*p);
  free(req.argv);
  free(req.envp);
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

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: zinc-sandbox-launcher CONTROL_FD WORK_BYTES WORK_INODES "
                    "[CGROUP_DIR_FD...]\n");
    return 125;
  }
  control_fd = (int)parse_number(argv[1], "CONTROL_FD");
  work_bytes = parse_number(argv[2], "WORK_BYTES");
  work_inodes = parse_number(argv[3], "WORK_INODES");
  int sandbox_cgroups[MAX_CGROUPS];
  int sandbox_cgroup_count = 0;
  for (int i = 4; i < argc; i++) {
    char *eq = strchr(argv[i], '=');
    if (eq == NULL) {
      fprintf(stderr, "zinc-sandbox-launcher: expected CONTROLLER=FD, got '%s'\n", argv[i]);
      return 125;
    }
    int fd = (int)parse_number(eq + 1, "CGROUP_DIR_FD");
    if (strncmp(argv[i], "cpu=", 4) == 0) {
      if (sandbox_cgroup_count < MAX_CGROUPS) sandbox_cgroups[sandbox_cgroup_count++] = fd;
    } else if (cgroup_count < MAX_CGROUPS) {
      cgroup_fds[cgroup_count++] = fd;
    }
  }

  /* No fd zinc's process inherited reaches a run; the launcher keeps its own (close-on-exec). */
  if (syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC) != 0) die("close_range");
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  signal(SIGPIPE, SIG_IGN);
  for (int i = 0; i < sandbox_cgroup_count; i++) {
    int err = write_text(sandbox_cgroups[i], "cgroup.procs", "0");
    if (err != 0) {
      errno = err;
      die("cgroup");
    }
    close(sandbox_cgroups[i]);
  }

  /* A mount namespace of the launcher's own user namespace, where it may mount. */
  if (unshare(CLONE_NEWNS) != 0) die("unshare");
  if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) die("mount private");
  char options[96];
  snprintf(options, sizeof options, "size=%llu,nr_inodes=%llu,mode=0755", work_bytes, work_inodes);
  if (mount("tmpfs", WORK, "tmpfs", MS_NOSUID | MS_NODEV, options) != 0) die("mount /work");
  if (mount("tmpfs", RUNS, "tmpfs", MS_NOSUID | MS_NODEV, "size=64k,mode=0700") != 0)
    die("mount runs");

  sigset_t sigchld;
  sigemptyset(&sigchld);
  sigaddset(&sigchld, SIGCHLD);
  if (sigprocmask(SIG_BLOCK, &sigchld, NULL) != 0) die("sigprocmask");
  int child_events = signalfd(-1, &sigchld, SFD_CLOEXEC | SFD_NONBLOCK);
  if (child_events < 0) die("signalfd");

  for (int strict = 0; strict < 2; strict++) {
    int err = compile_seccomp(strict, &filters[strict]);
    if (err != 0) {
      errno = err;
      die("seccomp");
    }
  }

  send_frame('r', NULL, 0);
  for (;;) {
    struct frame frame;
    if (read_frame(&frame) != 0) break; /* zinc closed the sandbox */
    switch (frame.type) {
      case 'F':
        put_files(&frame);
        break;
      case 'R':
        run(&frame, child_events);
        break;
      case 'G':
        snapshot_work(&frame);
        break;
      case 'L': {
        struct listing out = {NULL, 0, 0, 0};
        list_into(&out, WORK, "");
        send_frame('l', out.buf, (uint32_t)out.len);
        free(out.buf);
        break;
      }
      default:
        break; /* 'S' between runs: nothing runs */
    }
    free(frame.data);
  }
  kill(-1, SIGKILL);
  return 0;
}
