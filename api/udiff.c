/* api/udiff.c: see udiff.h. A longest-common-subsequence line diff (dynamic programming),
 * bounded in memory; fine for the source files a preview shows. */
#include "api/udiff.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "src/base/util.h"

struct lines {
	const char **s;
	size_t *len;
	size_t n;
};

static void
split(const char *t, struct lines *l)
{
	size_t cap = 16;

	l->n = 0;
	l->s = xmalloc(cap * sizeof(*l->s));
	l->len = xmalloc(cap * sizeof(*l->len));
	while (*t) {
		const char *nl = strchr(t, '\n');
		size_t n = nl ? (size_t)(nl - t) : strlen(t);

		if (l->n == cap) {
			cap *= 2;
			l->s = xrealloc(l->s, cap * sizeof(*l->s));
			l->len = xrealloc(l->len, cap * sizeof(*l->len));
		}
		l->s[l->n] = t;
		l->len[l->n++] = n;
		t += n + (nl ? 1 : 0);
	}
}

static bool
same(const struct lines *a, size_t i, const struct lines *b, size_t j)
{
	return a->len[i] == b->len[j] && memcmp(a->s[i], b->s[j], a->len[i]) == 0;
}

/* ops: ' ' keep, '-' delete (from a), '+' insert (from b) */
struct op {
	char kind;
	size_t ai, bi;
};

static void
emit_hunks(struct strbuf *out, const struct op *ops, size_t n_ops, const struct lines *a,
	   const struct lines *b)
{
	const size_t ctx = 3;
	size_t i = 0;

	while (i < n_ops) {
		while (i < n_ops && ops[i].kind == ' ')
			i++;
		if (i >= n_ops)
			break;
		size_t start = i >= ctx ? i - ctx : 0;
		size_t end = i, last_change = i;
		while (end < n_ops) {
			if (ops[end].kind != ' ')
				last_change = end;
			else if (end - last_change > 2 * ctx)
				break;
			end++;
		}
		end = last_change + ctx + 1 < n_ops ? last_change + ctx + 1 : n_ops;
		size_t a0 = 0, an = 0, b0 = 0, bn = 0;
		bool afirst = true, bfirst = true;
		for (size_t k = start; k < end; k++) {
			if (ops[k].kind != '+') {
				if (afirst)
					a0 = ops[k].ai, afirst = false;
				an++;
			}
			if (ops[k].kind != '-') {
				if (bfirst)
					b0 = ops[k].bi, bfirst = false;
				bn++;
			}
		}
		if (afirst)
			a0 = ops[start].ai;
		if (bfirst)
			b0 = ops[start].bi;
		strbuf_printf(out, "@@ -%zu,%zu +%zu,%zu @@\n", an ? a0 + 1 : a0, an, bn ? b0 + 1 : b0, bn);
		for (size_t k = start; k < end; k++) {
			const struct lines *src = ops[k].kind == '+' ? b : a;
			size_t idx = ops[k].kind == '+' ? ops[k].bi : ops[k].ai;
			strbuf_putc(out, ops[k].kind);
			strbuf_append(out, src->s[idx], src->len[idx]);
			strbuf_putc(out, '\n');
		}
		i = end;
	}
}

char *
udiff_make(const char *original, const char *modified, const char *path)
{
	struct lines a, b;
	struct strbuf out = {0};
	struct op *ops;
	size_t n_ops = 0;

	if (strcmp(original, modified) == 0)
		return xstrdup("");
	split(original, &a);
	split(modified, &b);
	ops = xmalloc((a.n + b.n + 1) * sizeof(*ops));
	/* trim the common prefix and suffix first: most edits are small */
	size_t pre = 0;
	while (pre < a.n && pre < b.n && same(&a, pre, &b, pre))
		pre++;
	size_t suf = 0;
	while (suf < a.n - pre && suf < b.n - pre && same(&a, a.n - 1 - suf, &b, b.n - 1 - suf))
		suf++;
	size_t na = a.n - pre - suf, nb = b.n - pre - suf;
	for (size_t i = 0; i < pre; i++)
		ops[n_ops++] = (struct op){' ', i, i};
	if ((uint64_t)(na + 1) * (nb + 1) <= 4000000u) {
		uint32_t *t = xcalloc((na + 1) * (nb + 1), sizeof(*t));
#define T(i, j) t[(i) * (nb + 1) + (j)]
		for (size_t i = na; i-- > 0;)
			for (size_t j = nb; j-- > 0;)
				T(i, j) = same(&a, pre + i, &b, pre + j) ? T(i + 1, j + 1) + 1
					  : (T(i + 1, j) >= T(i, j + 1) ? T(i + 1, j) : T(i, j + 1));
		size_t i = 0, j = 0;
		while (i < na || j < nb) {
			if (i < na && j < nb && same(&a, pre + i, &b, pre + j)) {
				ops[n_ops++] = (struct op){' ', pre + i, pre + j};
				i++, j++;
			} else if (i < na && (j == nb || T(i + 1, j) >= T(i, j + 1))) {
				/* On a tie, deletions first: a replaced block reads as git shows it. */
				ops[n_ops++] = (struct op){'-', pre + i, pre + j};
				i++;
			} else {
				ops[n_ops++] = (struct op){'+', pre + i, pre + j};
				j++;
			}
		}
#undef T
		free(t);
	} else {
		for (size_t i = 0; i < na; i++)
			ops[n_ops++] = (struct op){'-', pre + i, pre};
		for (size_t j = 0; j < nb; j++)
			ops[n_ops++] = (struct op){'+', pre + na, pre + j};
	}
	for (size_t k = 0; k < suf; k++)
		ops[n_ops++] = (struct op){' ', a.n - suf + k, b.n - suf + k};
	strbuf_printf(&out, "--- a/%s\n+++ b/%s\n", path, path);
	emit_hunks(&out, ops, n_ops, &a, &b);
	free(ops);
	free(a.s);
	free(a.len);
	free(b.s);
	free(b.len);
	return strbuf_detach(&out);
}
