#ifndef NEONHUB_CSYSTEMSHIMS_H
#define NEONHUB_CSYSTEMSHIMS_H
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>

/// Event bits, as plain constants Swift can import.
static const uint32_t nh_EPOLLIN = EPOLLIN;
static const uint32_t nh_EPOLLOUT = EPOLLOUT;
static const uint32_t nh_EPOLLERR = EPOLLERR;
static const uint32_t nh_EPOLLHUP = EPOLLHUP;
static const uint32_t nh_EPOLLRDHUP = EPOLLRDHUP;
static const uint32_t nh_EPOLLET = EPOLLET;
static const uint32_t nh_EPOLLEXCLUSIVE = EPOLLEXCLUSIVE;

/// epoll_create1(EPOLL_CLOEXEC).
int nh_epoll_create(void);
/// eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC).
int nh_eventfd(void);
/// EPOLL_CTL_ADD with the token in data.u64.
int nh_epoll_add(int epfd, int fd, uint32_t events, uint64_t token);
/// EPOLL_CTL_DEL.
int nh_epoll_del(int epfd, int fd);
/// epoll_wait into parallel arrays (avoids the packed struct in Swift).
int nh_epoll_wait(int epfd, uint64_t *tokens, uint32_t *events, int max, int timeout_ms);

/// accept4(SOCK_NONBLOCK | SOCK_CLOEXEC).
int nh_accept(int fd, struct sockaddr *addr, socklen_t *len);

/// Names the calling thread for the kernel (pthread_setname_np, a GNU extension): what
/// `top -H`, `ps -L` and `perf` show. Names longer than 15 bytes are cut.
int nh_name_this_thread(const char *name);

#endif
