/*
 * mpl_blackhole: a TCP server that never answers, for timeout tests.
 *
 * Listens on 127.0.0.1 (port 0: the kernel picks one), prints the port on
 * stdout and then never accepts: the kernel completes the handshakes into
 * the backlog, so a client connects at once and then waits for an answer
 * that never comes. Runs until killed, or until --max-seconds passed (a
 * safety net should the test's trap not run). Loopback only.
 *
 * usage: mpl_blackhole [--max-seconds N]
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);
	unsigned max_s = 600;
	int fd;

	if (argc == 3 && !strcmp(argv[1], "--max-seconds"))
		max_s = (unsigned)strtoul(argv[2], NULL, 10);
	else if (argc != 1) {
		fprintf(stderr, "usage: mpl_blackhole [--max-seconds N]\n");
		return 64;
	}
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 16) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &len) < 0) {
		perror("mpl_blackhole");
		return 1;
	}
	printf("%u\n", ntohs(sa.sin_port));
	fflush(stdout);
	/* never accept(): sleep() returns early on a signal, so loop */
	for (unsigned left = max_s; left;)
		left = sleep(left);
	close(fd);
	return 0;
}
