/*
 * api/conversation.h: the conversation op api/conversation.c and api/wake.c share
 * (internal to api/).
 *
 * Owns nothing itself: it declares the state of a conversation op and the lookup steps a
 * wake-up polls with, which api/conversation.c defines.
 */
#ifndef OHBROWSE_API_CONVERSATION_H
#define OHBROWSE_API_CONVERSATION_H

#include "api/op.h"

struct conv_state {
	char *id;
	char *sandbox_id;
	enum api_version version;
	api_conv_fn done;
	api_wake_progress_fn progress;
	void (*found)(struct api_op *op, struct api_conversation *cv);	/* lookup result */
	void *ud;
	struct api_conversation cv;	/* wake: the conversation found by the last poll */
	char last_status[32];
	long delay_ms;			/* wake: the next poll's delay (backoff) */
	bool ready_wait;		/* wake: polling the agent-server's /ready */
	bool skip_workdir;		/* wake polls: ask the working_dir only once it is ready */
	/* pause and whoami */
	api_status_fn status_done;
	api_key_info_fn key_done;
	/* trajectory */
	int fd;
	api_xfer_progress_fn xfer_progress;
	api_xfer_fn xfer_done;
};

/* A new op for conversation id (NULL: none); errors go through conv_deliver_error. */
struct api_op *conv_op(struct api_client *c, const char *id);
/* Deliver e to whichever completion the op has, and finish it (the op's fail). */
void conv_deliver_error(struct api_op *op, const struct api_error *e);
/* POST {} to url on the app server, not retried but on 429; done gets the answer. */
void conv_post(struct api_op *op, const char *url, op_call_fn done);
/* The id is not one (from the loop: an op_later step). */
void conv_bad_id(struct api_op *op);
/* Look s->id up, V1 first; s->found gets the conversation, errors go to the op's callback. */
void lookup_start(struct api_op *op);
/* The V0 lookup alone (not found where the server has no V0). */
void lookup_v0(struct api_op *op);
/* A conversation found: with its agent-server's working_dir when it runs, then s->found. */
void lookup_have(struct api_op *op, struct api_conversation *cv);
/* s->found of a plain lookup: deliver cv through s->done and finish. */
void get_conv_found(struct api_op *op, struct api_conversation *cv);

#endif
