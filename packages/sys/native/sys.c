/*
 * The syscalls Node has no API for, called in-process: mount(2), umount2(2), lgetxattr(2),
 * llistxattr(2), lsetxattr(2), mknod(2), pipe2(2) and openat2(2). Built by @tsbuild/sys's own
 * script (scripts/build-native.cjs: the workspace build and the `tsbuild` package's install both run
 * it) with the system C compiler against Node's own N-API headers; where it cannot be built or
 * loaded, tsbuild uses its one perl fallback server (src/perl/server.ts), which answers the same
 * calls from another process — the addon saves that process's start (a fork of the whole Node
 * process on the main thread plus perl's start-up) and a pipe round trip per call.
 *
 * Paths are bytes: each path argument is a Buffer (a file name that is not UTF-8, exactly) or a
 * string (UTF-8). Every function answers an errno (0 = success) instead of throwing; lgetxattr and
 * llistxattr answer the value as a Buffer, or the errno as a number. All are synchronous: each is
 * one syscall of well under a millisecond, cheaper than a trip to the thread pool.
 *
 * mount(source, target, fstype, flags, data, cwd): with a non-empty cwd the call runs on a thread
 * of its own that first unshares its filesystem context (CLONE_FS) and chdirs there, so relative
 * paths in `data` (overlay's short lowerdir links) resolve against cwd while the process's own
 * working directory never changes.
 */
#define _GNU_SOURCE
#define NAPI_VERSION 8
#include <node_api.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>
#include <linux/openat2.h>

#define XATTR_MAX 65536

/* a JS string argument as a malloc'd C string; NULL when it is not a string or holds a NUL */
static char *string_arg(napi_env env, napi_value v) {
  size_t len = 0;
  if (napi_get_value_string_utf8(env, v, NULL, 0, &len) != napi_ok) return NULL;
  char *s = malloc(len + 1);
  if (!s) return NULL;
  if (napi_get_value_string_utf8(env, v, s, len + 1, &len) != napi_ok || strlen(s) != len) {
    free(s);
    return NULL;
  }
  return s;
}

/* a path argument, a Buffer (raw bytes) or a string, as a malloc'd C string; NULL when it is
 * neither or holds a NUL (a C string would end there and name something else) */
static char *path_arg(napi_env env, napi_value v) {
  bool isbuf = false;
  if (napi_is_buffer(env, v, &isbuf) != napi_ok || !isbuf) return string_arg(env, v);
  void *data = NULL;
  size_t len = 0;
  if (napi_get_buffer_info(env, v, &data, &len) != napi_ok || (len && memchr(data, 0, len))) return NULL;
  char *s = malloc(len + 1);
  if (!s) return NULL;
  if (len) memcpy(s, data, len);
  s[len] = '\0';
  return s;
}

static napi_value number(napi_env env, double n) {
  napi_value v;
  napi_create_double(env, n, &v);
  return v;
}

static int args(napi_env env, napi_callback_info info, size_t want, napi_value *argv) {
  size_t argc = want;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < want) {
    napi_throw_type_error(env, NULL, "tsbuild sys addon: missing arguments");
    return 0;
  }
  return 1;
}

struct mount_call {
  const char *source, *target, *fstype, *data, *cwd;
  unsigned long flags;
  int err;
};

static void *mount_in(void *p) {
  struct mount_call *c = p;
  if (unshare(CLONE_FS) != 0 || chdir(c->cwd) != 0) {
    c->err = errno;
    return NULL;
  }
  c->err = mount(c->source, c->target, c->fstype, c->flags, c->data) == 0 ? 0 : errno;
  return NULL;
}

static napi_value js_mount(napi_env env, napi_callback_info info) {
  napi_value argv[6];
  if (!args(env, info, 6, argv)) return NULL;
  char *s[6] = { 0 };
  double flags = 0;
  int err = EINVAL;
  for (int i = 0; i < 6; i++) {
    if (i == 3) continue;
    if (!(s[i] = string_arg(env, argv[i]))) goto done;
  }
  if (napi_get_value_double(env, argv[3], &flags) != napi_ok) goto done;
  struct mount_call c = { s[0], s[1], s[2], s[4], s[5], (unsigned long)flags, 0 };
  if (s[5][0] == '\0') {
    err = mount(c.source, c.target, c.fstype, c.flags, c.data) == 0 ? 0 : errno;
  } else {
    pthread_t t;
    err = pthread_create(&t, NULL, mount_in, &c);
    if (err == 0) {
      pthread_join(t, NULL);
      err = c.err;
    }
  }
done:
  for (int i = 0; i < 6; i++) free(s[i]);
  return number(env, err);
}

static napi_value js_umount2(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  if (!args(env, info, 2, argv)) return NULL;
  char *target = string_arg(env, argv[0]);
  double flags = 0;
  int err = EINVAL;
  if (target && napi_get_value_double(env, argv[1], &flags) == napi_ok) err = umount2(target, (int)flags) == 0 ? 0 : errno;
  free(target);
  return number(env, err);
}

/* what lgetxattr/llistxattr answer: the n bytes of buf as a Buffer, or the errno when n < 0 */
static napi_value buffer_or_errno(napi_env env, ssize_t n, const char *buf) {
  if (n < 0) return number(env, errno);
  napi_value out;
  void *data;
  return napi_create_buffer_copy(env, (size_t)n, buf, &data, &out) == napi_ok ? out : number(env, ENOMEM);
}

static napi_value js_lgetxattr(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  if (!args(env, info, 2, argv)) return NULL;
  char *path = path_arg(env, argv[0]);
  char *name = string_arg(env, argv[1]);
  napi_value out;
  if (!path || !name) {
    out = number(env, EINVAL);
  } else {
    char buf[XATTR_MAX];
    out = buffer_or_errno(env, lgetxattr(path, name, buf, sizeof buf), buf);
  }
  free(path);
  free(name);
  return out;
}

static napi_value js_lsetxattr(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  if (!args(env, info, 3, argv)) return NULL;
  char *path = path_arg(env, argv[0]);
  char *name = string_arg(env, argv[1]);
  void *data = NULL;
  size_t len = 0;
  int err = EINVAL;
  if (path && name && napi_get_buffer_info(env, argv[2], &data, &len) == napi_ok) err = lsetxattr(path, name, data, len, 0) == 0 ? 0 : errno;
  free(path);
  free(name);
  return number(env, err);
}

/* llistxattr(path): the names as one Buffer (each NUL-terminated), or the errno */
static napi_value js_llistxattr(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!args(env, info, 1, argv)) return NULL;
  char *path = path_arg(env, argv[0]);
  if (!path) return number(env, EINVAL);
  char buf[XATTR_MAX];
  napi_value out = buffer_or_errno(env, llistxattr(path, buf, sizeof buf), buf);
  free(path);
  return out;
}

/* mknod(path, mode, major, minor): a device node, FIFO or overlay whiteout (mode holds S_IF*); the errno */
static napi_value js_mknod(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  if (!args(env, info, 4, argv)) return NULL;
  char *path = path_arg(env, argv[0]);
  double mode = 0, major = 0, minor = 0;
  int err = EINVAL;
  if (path && napi_get_value_double(env, argv[1], &mode) == napi_ok && napi_get_value_double(env, argv[2], &major) == napi_ok &&
      napi_get_value_double(env, argv[3], &minor) == napi_ok)
    err = mknod(path, (mode_t)mode, makedev((unsigned)major, (unsigned)minor)) == 0 ? 0 : errno;
  free(path);
  return number(env, err);
}

/* pipe2(O_CLOEXEC): [read fd, write fd], or the errno. Node's 'pipe' stdio makes socketpairs, and
 * open("/dev/stdout") on a socket fails (ENXIO): a step's stdio must be real pipes. */
static napi_value js_pipe(napi_env env, napi_callback_info info) {
  (void)info;
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return number(env, errno);
  napi_value arr;
  napi_create_array_with_length(env, 2, &arr);
  napi_set_element(env, arr, 0, number(env, fds[0]));
  napi_set_element(env, arr, 1, number(env, fds[1]));
  return arr;
}

/* the absolute path an fd stands for, from /proc/self/fd; 0 or the errno */
static int fd_path(int fd, char *buf, size_t size) {
  char link[64];
  snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  ssize_t n = readlink(link, buf, size - 1);
  if (n < 0) return errno;
  if ((size_t)n >= size - 1) return ENAMETOOLONG;
  buf[n] = '\0';
  return 0;
}

/* resolveInRoot(root, path, followLast): openat2(2) with RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS —
 * every component resolved by the kernel inside root, absolute links re-rooted, `..` clamped —
 * answered as the part below root ("" for root itself, else "/a/b"), or the errno (ENOENT for a
 * missing component, ENOSYS before Linux 5.6: the caller walks in JS then). */
static napi_value js_resolve_in_root(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  if (!args(env, info, 3, argv)) return NULL;
  char *root = string_arg(env, argv[0]);
  char *path = string_arg(env, argv[1]);
  bool follow = true;
  napi_get_value_bool(env, argv[2], &follow);
  napi_value out = NULL;
  int err = EINVAL, rfd = -1, fd = -1;
  char rbuf[PATH_MAX], pbuf[PATH_MAX];
  if (!root || !path) goto done;
  rfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rfd < 0) { err = errno; goto done; }
  struct open_how how = { .flags = O_PATH | O_CLOEXEC | (follow ? 0 : O_NOFOLLOW), .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };
  fd = (int)syscall(SYS_openat2, rfd, path[0] ? path : ".", &how, sizeof how);
  if (fd < 0) { err = errno; goto done; }
  if ((err = fd_path(rfd, rbuf, sizeof rbuf)) || (err = fd_path(fd, pbuf, sizeof pbuf))) goto done;
  size_t rl = strcmp(rbuf, "/") == 0 ? 0 : strlen(rbuf);
  /* RESOLVE_IN_ROOT keeps the answer below root; anything else is refused, never returned */
  if (strncmp(pbuf, rbuf, rl) != 0 || (pbuf[rl] != '\0' && pbuf[rl] != '/')) { err = EXDEV; goto done; }
  napi_create_string_utf8(env, pbuf + rl, NAPI_AUTO_LENGTH, &out);
  err = 0;
done:
  if (fd >= 0) close(fd);
  if (rfd >= 0) close(rfd);
  free(root);
  free(path);
  return out ? out : number(env, err);
}

NAPI_MODULE_INIT() {
  static const struct { const char *name; napi_callback fn; } fns[] = {
    { "mount", js_mount }, { "umount2", js_umount2 }, { "lgetxattr", js_lgetxattr }, { "lsetxattr", js_lsetxattr }, { "pipe", js_pipe },
    { "llistxattr", js_llistxattr }, { "mknod", js_mknod },
    { "resolveInRoot", js_resolve_in_root },
  };
  for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++) {
    napi_value f;
    napi_create_function(env, fns[i].name, NAPI_AUTO_LENGTH, fns[i].fn, NULL, &f);
    napi_set_named_property(env, exports, fns[i].name, f);
  }
  return exports;
}
