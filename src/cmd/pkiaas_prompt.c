/* Reading passwords without echo; see pkiaas_prompt.h. */
#include "cmd/pkiaas_prompt.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "cmd/pkiaas_cli.h"

/* The terminal whose echo is off, for the signal handler; -1: none. */
static volatile sig_atomic_t tty_fd = -1;
static struct termios tty_saved;

/* The signals that would leave the terminal without echo. */
static const int tty_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGTSTP};
#define TTY_NSIGNALS (sizeof(tty_signals) / sizeof(*tty_signals))

/* Restores the terminal, then lets the signal do what it does. */
static void tty_on_signal(int sig)
{
	int fd = tty_fd;

	if (fd >= 0)
		tcsetattr(fd, TCSAFLUSH, &tty_saved);
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Restores what echo_off changed. */
static void echo_on(int fd, const struct sigaction *old)
{
	tcsetattr(fd, TCSAFLUSH, &tty_saved);
	tty_fd = -1;
	for (size_t i = 0; i < TTY_NSIGNALS; i++)
		sigaction(tty_signals[i], &old[i], NULL);
}

/* Turns echo off on fd until echo_on; 0, or -1 with nothing changed. */
static int echo_off(int fd, struct sigaction *old)
{
	struct sigaction sa;
	struct termios t;

	if (tcgetattr(fd, &tty_saved) != 0)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = tty_on_signal;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < TTY_NSIGNALS; i++)
		sigaction(tty_signals[i], &sa, &old[i]);
	tty_fd = fd;
	t = tty_saved;
	t.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
	t.c_lflag |= ICANON;
	if (tcsetattr(fd, TCSAFLUSH, &t) != 0) {
		echo_on(fd, old);
		return -1;
	}
	return 0;
}

/*
 * Reads up to a newline from fd into buf (size n), reading one byte at a
 * time so that nothing after the line is taken. The line's length, -1
 * when input ended before a byte or failed, -2 when it is too long.
 */
static long line_read(int fd, char *buf, size_t n)
{
	size_t len = 0;
	int got = 0, too_long = 0;
	char c;

	for (;;) {
		ssize_t r = read(fd, &c, 1);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got = 1;
		if (c == '\n')
			break;
		if (len + 1 >= n)
			too_long = 1;
		else
			buf[len++] = c;
	}
	if (len > 0 && buf[len - 1] == '\r')
		len--;
	buf[len] = '\0';
	c = 0;
	if (too_long) {
		OPENSSL_cleanse(buf, n);
		return -2;
	}
	return got ? (long)len : -1;
}

/* Prints why a line could not be read; CLI_USAGE. */
static int line_failed(const char *what, long rc, size_t n)
{
	if (rc == -2)
		fprintf(stderr, "pkiaas: the %s is longer than %zu bytes\n",
			what, n - 1);
	else
		fprintf(stderr, "pkiaas: no %s was given\n", what);
	return CLI_USAGE;
}

int prompt_tty(const char *prompt, int secret, char *buf, size_t n)
{
	struct sigaction old[TTY_NSIGNALS];
	int fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
	long rc = -1;

	if (fd < 0) {
		fprintf(stderr, "pkiaas: no terminal to ask on; pass "
				"--password-stdin (and --username)\n");
		return CLI_USAGE;
	}
	/* Echo goes off before the prompt, so that nothing typed shows. */
	if (secret && echo_off(fd, old) != 0) {
		fprintf(stderr, "pkiaas: cannot turn off the echo of the "
				"terminal\n");
		close(fd);
		return CLI_USAGE;
	}
	if (write(fd, prompt, strlen(prompt)) >= 0)
		rc = line_read(fd, buf, n);
	if (secret) {
		echo_on(fd, old);
		/* The line end that the echo did not show: cosmetic only. */
		if (write(fd, "\n", 1) < 0)
			fputc('\n', stderr);
	}
	close(fd);
	return rc < 0 ? line_failed(secret ? "password" : "answer", rc, n) : 0;
}

int prompt_stdin(const char *what, char *buf, size_t n)
{
	long rc = line_read(STDIN_FILENO, buf, n);

	return rc < 0 ? line_failed(what, rc, n) : 0;
}

int prompt_new_secret(const char *what, char *buf, size_t n)
{
	char again[PROMPT_MAX];
	char prompt[128];
	int rc;

	snprintf(prompt, sizeof(prompt), "New %s: ", what);
	rc = prompt_tty(prompt, 1, buf, n);
	if (rc != 0)
		return rc;
	snprintf(prompt, sizeof(prompt), "New %s again: ", what);
	rc = prompt_tty(prompt, 1, again, sizeof(again));
	if (rc == 0 && strcmp(buf, again) != 0) {
		fprintf(stderr, "pkiaas: the two %ss differ\n", what);
		rc = CLI_USAGE;
	}
	OPENSSL_cleanse(again, sizeof(again));
	if (rc != 0)
		OPENSSL_cleanse(buf, n);
	return rc;
}
