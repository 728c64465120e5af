/*
 * tests/fakehands/fakehands.h: public interface of the fake OpenHands server library.
 *
 * Owns: starting and stopping a whole fake deployment (app server plus one nested
 * runtime / agent-server per conversation) from a scenario JSON text, and the
 * stdout protocol lines. Tests link fakehands_dep and call these in-process;
 * main.c is a thin command-line wrapper around the same calls.
 */
#ifndef OHBROWSE_FAKEHANDS_H
#define OHBROWSE_FAKEHANDS_H

#include <stdint.h>
#include <stdio.h>

struct fakehands;

struct fakehands_options {
	const char *log_path;	/* --log FILE, or NULL */
	uint64_t bandwidth;	/* --bandwidth bytes/s for every body, 0 = unlimited */
};

/* Parse the scenario and start every server on 127.0.0.1 port 0. On failure
 * returns NULL and writes a message into err. */
struct fakehands *fakehands_start(const char *scenario, size_t len,
				  const struct fakehands_options *opt,
				  char *err, size_t errlen);
/* Print "app URL", "runtime ID URL" / "agent ID URL" lines and "ready", flushing each. */
void fakehands_print_ports(struct fakehands *fh, FILE *out);
uint16_t fakehands_app_port(const struct fakehands *fh);
/* Port of a conversation's runtime or agent-server; 0 when it has none. */
uint16_t fakehands_conv_port(const struct fakehands *fh, const char *conv_id);
/* Stop every server, wait for connection threads, free everything. */
void fakehands_stop(struct fakehands *fh);

/* The built-in demo scenario (generated from scenarios/demo.json at build time). */
extern const char fakehands_demo_scenario[];
extern const unsigned long fakehands_demo_scenario_len;

#endif
