/* Hexadecimal digits: in percent-escapes and in certificate serials. */
#ifndef PKIAAS_HEX_H
#define PKIAAS_HEX_H

/* The value of the hex digit c (either case), or -1 for anything else. */
int hex_digit(char c);

#endif
