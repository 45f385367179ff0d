#include <stdio.h>

int main(void)
{
	puts("pkiaas");
	return 0;
}
