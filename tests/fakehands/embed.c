/*
 * tests/fakehands/embed.c: build-time tool that turns a file into a C array.
 *
 * Owns: nothing at run time. meson runs it on scenarios/demo.json so the demo
 * scenario is compiled into fakehands and works with no data files installed.
 * Usage: embed INPUT OUTPUT SYMBOL
 */
#include <stdio.h>

int
main(int argc, char **argv)
{
	FILE *in, *out;
	int c;
	unsigned long n = 0;

	if (argc != 4)
		return 2;
	in = fopen(argv[1], "rb");
	out = fopen(argv[2], "w");
	if (!in || !out)
		return 1;
	fprintf(out, "/* generated from %s by embed.c: do not edit */\n", argv[1]);
	fprintf(out, "const char %s[] = {", argv[3]);
	while ((c = fgetc(in)) != EOF) {
		fprintf(out, "%s%d,", n % 24 ? "" : "\n", (signed char)c);
		n++;
	}
	fprintf(out, "\n0};\nconst unsigned long %s_len = %lu;\n", argv[3], n);
	fclose(in);
	return fclose(out) ? 1 : 0;
}
