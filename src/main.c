/* src/main.c: argument parsing and subcommand dispatch. */
#include <stdio.h>
#include <string.h>

#include "ohbrowse_config.h"
#include "src/util.h"

int
main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--version") == 0) {
		printf("ohbrowse %s\n", OHBROWSE_VERSION);
		return 0;
	}
	fprintf(stderr, "usage: ohbrowse [--version]\n");
	return 2;
}
