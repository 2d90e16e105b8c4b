// Small-packet UDP load for bench/run: a sender of 64-byte datagrams (sendmmsg) at a target
// rate or as fast as it can, and a receiver that drains and counts them.
//
//   udpflood send ADDR PORT SECONDS [PACKETS_PER_SECOND]   (0 or absent: unlimited)
//   udpflood recv PORT                                     (until SIGINT/SIGTERM)
//
// Both print one line `packets N seconds S` on stdout when done.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum { PAYLOAD = 64, BATCH = 64 };

static volatile sig_atomic_t stopping;

static void on_signal(int sig) {
    (void)sig;
    stopping = 1;
}

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void die(const char *what) {
    perror(what);
    exit(1);
}

static struct sockaddr_in address(const char *ip, const char *port) {
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(atoi(port))};
    if (ip != NULL && inet_pton(AF_INET, ip, &sa.sin_addr) != 1) {
        fprintf(stderr, "udpflood: bad IPv4 address %s\n", ip);
        exit(2);
    }
    return sa;
}

static int send_flood(const char *ip, const char *port, double seconds, double rate) {
    struct sockaddr_in sa = address(ip, port);
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
        die("udpflood: socket");
    }
    static char payload[PAYLOAD];
    struct iovec iov = {.iov_base = payload, .iov_len = PAYLOAD};
    struct mmsghdr msgs[BATCH];
    memset(msgs, 0, sizeof msgs);
    for (int i = 0; i < BATCH; i++) {
        msgs[i].msg_hdr.msg_iov = &iov;
        msgs[i].msg_hdr.msg_iovlen = 1;
    }
    long long sent = 0;
    double start = now(), elapsed = 0;
    while (!stopping && (elapsed = now() - start) < seconds) {
        int batch = BATCH;
        if (rate > 0) {
            // Catch up on what is due by now, at most a batch at a time; sleep when ahead.
            double due = rate * elapsed - sent;
            if (due < 1) {
                struct timespec pause = {0, (long)((1 - due) / rate * 1e9)};
                nanosleep(&pause, NULL);
                continue;
            }
            if (due < batch) {
                batch = (int)due;
            }
        }
        int n = sendmmsg(fd, msgs, batch, 0);
        if (n > 0) {
            sent += n;
        } else if (errno != ENOBUFS && errno != EAGAIN && errno != ECONNREFUSED && errno != EINTR) {
            die("udpflood: sendmmsg");
        }
    }
    printf("packets %lld seconds %.3f\n", sent, elapsed);
    return 0;
}

static int receive(const char *port) {
    struct sockaddr_in sa = address(NULL, port);
    sa.sin_addr.s_addr = htonl(INADDR_ANY);
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    int buffer = 4 << 20;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buffer, sizeof buffer);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
        die("udpflood: bind");
    }
    static char payloads[BATCH][PAYLOAD];
    struct iovec iovs[BATCH];
    struct mmsghdr msgs[BATCH];
    memset(msgs, 0, sizeof msgs);
    for (int i = 0; i < BATCH; i++) {
        iovs[i] = (struct iovec){.iov_base = payloads[i], .iov_len = PAYLOAD};
        msgs[i].msg_hdr.msg_iov = &iovs[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
    }
    long long received = 0;
    double start = now();
    while (!stopping) {
        int n = recvmmsg(fd, msgs, BATCH, 0, NULL);
        if (n > 0) {
            received += n;
        } else if (errno != EINTR) {
            die("udpflood: recvmmsg");
        }
    }
    printf("packets %lld seconds %.3f\n", received, now() - start);
    return 0;
}

int main(int argc, char **argv) {
    // No SA_RESTART: a signal must interrupt the blocking recvmmsg.
    struct sigaction action = {.sa_handler = on_signal};
    sigaction(SIGINT, &action, NULL);
    sigaction(SIGTERM, &action, NULL);
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc >= 5 && strcmp(argv[1], "send") == 0) {
        return send_flood(argv[2], argv[3], atof(argv[4]), argc > 5 ? atof(argv[5]) : 0);
    }
    if (argc == 3 && strcmp(argv[1], "recv") == 0) {
        return receive(argv[2]);
    }
    fprintf(stderr, "usage: udpflood send ADDR PORT SECONDS [PACKETS_PER_SECOND]\n"
                    "       udpflood recv PORT\n");
    return 2;
}
