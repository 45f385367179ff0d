/*
 * Asking for secrets: on the terminal with echo off, or as lines of
 * standard input (--password-stdin).
 */
#ifndef PKIAAS_PKIAAS_PROMPT_H
#define PKIAAS_PKIAAS_PROMPT_H

#include <stddef.h>

#define PROMPT_MAX 1024 /* bytes of an answer, with its NUL */

/*
 * Writes prompt to /dev/tty and reads a line from it into buf (size n),
 * with echo off when secret is set; the terminal is restored afterwards,
 * also when a signal ends the program. 0, or CLI_USAGE when there is no
 * terminal, the input ended or the line is too long (printed).
 */
int prompt_tty(const char *prompt, int secret, char *buf, size_t n);
/*
 * Reads one line of standard input, without its line end, into buf (size
 * n); what names it in messages. 0, or CLI_USAGE when input ended first or
 * the line is too long (printed).
 */
int prompt_stdin(const char *what, char *buf, size_t n);
/* Asks twice on the terminal for a new secret; CLI_USAGE if they differ. */
int prompt_new_secret(const char *what, char *buf, size_t n);

#endif
