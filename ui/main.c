/* main.c: command-line entry point; parses options and starts a front end. */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "version.h"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: sphone [OPTIONS] [URI]\n"
		"A terminal softphone for encrypted SIP: TLS signalling, SDES-SRTP media.\n"
		"\n"
		"Options:\n"
		"  -h, --help        show this help and exit\n"
		"  -V, --version     show the version and exit\n"
		"\n"
		"Report bugs with the output of 'sphone --version'.\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	int c;

	while ((c = getopt_long(argc, argv, "hV", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("sphone %s\n", sphone_version());
			return 0;
		default:
			fprintf(stderr, "Try 'sphone --help' for more information.\n");
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "sphone: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	usage(stderr);
	return 2;
}
