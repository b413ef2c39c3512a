/*
 * The sandbox probe: prints what a process may do, one "key=value" line each, so a RUN step and
 * `docker run` of the same static binary can be compared line by line (test/security/sandbox.test.ts).
 * Values: "ok" or the errno name of the failure; numbers as they are.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <sys/sysmacros.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <linux/if_ether.h>

static const char *err(long r) {
  if (r >= 0) return "ok";
  switch (errno) {
    case EPERM: return "EPERM";
    case EACCES: return "EACCES";
    case ENOSYS: return "ENOSYS";
    case EINVAL: return "EINVAL";
    case ENOENT: return "ENOENT";
    case ENXIO: return "ENXIO";
    case ENODEV: return "ENODEV";
    case EAFNOSUPPORT: return "EAFNOSUPPORT";
    case EEXIST: return "EEXIST";
    case EROFS: return "EROFS";
    case ECONNREFUSED: return "ECONNREFUSED";
    case ENETUNREACH: return "ENETUNREACH";
    case ETIMEDOUT: return "ETIMEDOUT";
    case EHOSTUNREACH: return "EHOSTUNREACH";
    default: { static char b[32]; snprintf(b, sizeof b, "errno%d", errno); return b; }
  }
}

static void status(void) {
  FILE *f = fopen("/proc/self/status", "r");
  char line[256];
  while (f && fgets(line, sizeof line, f)) {
    const char *keys[] = { "CapInh:", "CapPrm:", "CapEff:", "CapBnd:", "CapAmb:", "NoNewPrivs:", "Seccomp:" };
    for (unsigned i = 0; i < sizeof keys / sizeof *keys; i++) {
      size_t n = strlen(keys[i]);
      if (strncmp(line, keys[i], n) == 0) {
        char *v = line + n; while (*v == ' ' || *v == '\t') v++;
        v[strcspn(v, "\n")] = 0;
        printf("%.*s=%s\n", (int)(n - 1), line, v);
      }
    }
  }
  if (f) fclose(f);
}

static void try_open(const char *key, const char *path) {
  int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY);
  printf("%s=%s\n", key, err(fd));
  if (fd >= 0) close(fd);
}

/* connect to ip:port (argv), "ok" when accepted */
static void try_connect(const char *key, const char *ip, int port) {
  int s = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
  inet_pton(AF_INET, ip, &a.sin_addr);
  struct timeval tv = { .tv_sec = 2 };
  setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  int r = connect(s, (struct sockaddr *)&a, sizeof a);
  if (r < 0 && errno == EINPROGRESS) errno = ETIMEDOUT;
  printf("%s=%s\n", key, err(r));
  close(s);
}

static int try_unshare(int flags) { return unshare(flags) == 0 ? 0 : errno; }
static int try_mount(int unused) {
  (void)unused;
  mkdir("/probe-mnt", 0755);
  int r = mount("tmpfs", "/probe-mnt", "tmpfs", 0, NULL) == 0 ? 0 : errno;
  if (r == 0) umount("/probe-mnt");
  rmdir("/probe-mnt");
  return r;
}
/* runs fn(arg) in a child; "ok" or the errno name it exited with */
static const char *in_child(int (*fn)(int), int arg) {
  fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) _exit(fn(arg));
  int st = 0;
  waitpid(pid, &st, 0);
  int e = WIFEXITED(st) ? WEXITSTATUS(st) : 255;
  if (e == 0) return "ok";
  errno = e;
  return err(-1);
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (argc > 2 && strcmp(argv[1], "connect") == 0) {
    for (int i = 2; i + 1 < argc; i += 2) {
      char key[64]; snprintf(key, sizeof key, "connect_%s_%s", argv[i], argv[i + 1]);
      try_connect(key, argv[i], atoi(argv[i + 1]));
    }
    return 0;
  }
  long id = syscall(SYS_keyctl, 0 /* KEYCTL_GET_KEYRING_ID */, -3 /* KEY_SPEC_SESSION_KEYRING */, 0);
  /* "keyring": only this (safe to run on the host: everything below mounts and makes nodes) */
  if (argc > 1 && strcmp(argv[1], "keyring") == 0) {
    if (id >= 0) printf("keyring_id=%ld\n", id); else printf("keyring_id=%s\n", err(id));
    return 0;
  }
  status();
  id = syscall(SYS_keyctl, 0 /* KEYCTL_GET_KEYRING_ID */, -3 /* KEY_SPEC_SESSION_KEYRING */, 0);
  if (id >= 0) printf("keyring_id=%ld\n", id); else printf("keyring_id=%s\n", err(id));
  printf("keyctl_join=%s\n", err(syscall(SYS_keyctl, 1 /* KEYCTL_JOIN_SESSION_KEYRING */, 0)));
  /* in children: a namespace that is granted must not change what the probe tests next */
  printf("unshare_user=%s\n", in_child(try_unshare, CLONE_NEWUSER));
  printf("unshare_mount=%s\n", in_child(try_unshare, CLONE_NEWNS));
  printf("mount_tmpfs=%s\n", in_child(try_mount, 0));
  int s;
  s = socket(AF_INET, SOCK_RAW, IPPROTO_ICMP); printf("socket_raw_inet=%s\n", err(s)); if (s >= 0) close(s);
  s = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL)); printf("socket_packet=%s\n", err(s)); if (s >= 0) close(s);
  s = socket(40 /* AF_VSOCK */, SOCK_STREAM, 0); printf("socket_vsock=%s\n", err(s)); if (s >= 0) close(s);
  s = socket(38 /* AF_ALG */, SOCK_SEQPACKET, 0); printf("socket_alg=%s\n", err(s)); if (s >= 0) close(s);
  printf("clone3=%s\n", err(syscall(435 /* clone3, all arches */, NULL, 0)));
  printf("personality_bad=%s\n", err(personality(0x0400000 /* READ_IMPLIES_EXEC */)));
  printf("ptrace_me_not=%s\n", err(syscall(SYS_ptrace, 0x4206 /* PTRACE_SEIZE */, 1, 0, 0)));
  const char *devs[] = { "null", "zero", "full", "random", "urandom", "tty", "ptmx", "console", "kmsg", "mem", "loop-control", "tty1" };
  for (unsigned i = 0; i < sizeof devs / sizeof *devs; i++) {
    char key[64], path[64];
    snprintf(key, sizeof key, "dev_%s", devs[i]); snprintf(path, sizeof path, "/dev/%s", devs[i]);
    try_open(key, path);
  }
  /* a device the image or step makes itself: creating is allowed, opening is not */
  unlink("/probe-kmsg");
  printf("mknod_kmsg=%s\n", err(mknod("/probe-kmsg", S_IFCHR | 0600, makedev(1, 11))));
  try_open("open_mknod_kmsg", "/probe-kmsg");
  unlink("/probe-kmsg");
  unlink("/dev/probe-loop");
  printf("mknod_dev_loop=%s\n", err(mknod("/dev/probe-loop", S_IFCHR | 0600, makedev(10, 237))));
  try_open("open_mknod_dev_loop", "/dev/probe-loop");
  unlink("/dev/probe-loop");
  struct rlimit rl; getrlimit(RLIMIT_NOFILE, &rl);
  printf("nofile=%llu:%llu\n", (unsigned long long)rl.rlim_cur, (unsigned long long)rl.rlim_max);
  int w = open("/sys/fs/cgroup/probe", O_WRONLY | O_CREAT, 0600);
  printf("cgroupfs_write=%s\n", err(w)); if (w >= 0) { close(w); unlink("/sys/fs/cgroup/probe"); }
  return 0;
}
