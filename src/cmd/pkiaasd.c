#include <stdio.h>

int main(void)
{
	puts("pkiaasd");
	return 0;
}
