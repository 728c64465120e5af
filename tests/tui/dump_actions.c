/* tests/tui/dump_actions.c: print help_dump_actions() (the --dump-actions output). */
#include <stdio.h>

#include "tui/help.h"

int
main(void)
{
	help_dump_actions(stdout);
	return 0;
}
