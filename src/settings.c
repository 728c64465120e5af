/* src/settings.c: config-file settings read before the client exists (see settings.h). */
#include "src/settings.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/base/util.h"

char *
settings_config_path(const char *given)
{
	if (given)
		return xstrdup(given);
	const char *xdg = getenv("XDG_CONFIG_HOME");
	if (xdg && *xdg)
		return xasprintf("%s/ohbrowse/config", xdg);
	const char *home = getenv("HOME");
	if (home && *home)
		return xasprintf("%s/.config/ohbrowse/config", home);
	return NULL;
}

/* "set NAME VALUE": VALUE is the rest of the line, trimmed (a directory may hold spaces). */
static const char *
setting_value(char *line, const char *name)
{
	char *p = line + strspn(line, " \t");
	size_t n = strlen(name);

	if (strncmp(p, "set", 3) || (p[3] != ' ' && p[3] != '\t'))
		return NULL;
	p += 3;
	p += strspn(p, " \t");
	if (strncmp(p, name, n) || (p[n] != ' ' && p[n] != '\t'))
		return NULL;
	p += n;
	p += strspn(p, " \t");
	size_t len = strlen(p);
	while (len && (p[len - 1] == '\n' || p[len - 1] == '\r' || p[len - 1] == ' ' || p[len - 1] == '\t'))
		p[--len] = '\0';
	return *p ? p : NULL;
}

void
settings_load(const char *path, struct settings *out)
{
	char line[1024];
	FILE *f = path ? fopen(path, "r") : NULL;

	memset(out, 0, sizeof(*out));
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		const char *v;
		if (line[strspn(line, " \t")] == '#')
			continue;
		if ((v = setting_value(line, "org"))) {
			free(out->org);
			out->org = xstrdup(v);
		} else if ((v = setting_value(line, "backup-dir"))) {
			const char *home = getenv("HOME");
			free(out->backup_dir);
			out->backup_dir = strncmp(v, "~/", 2) == 0 && home ? xasprintf("%s/%s", home, v + 2) : xstrdup(v);
		} else if ((v = setting_value(line, "retention-days"))) {
			char *end;
			long n = strtol(v, &end, 10);
			if (!*end && n >= 1 && n <= 3650)
				out->retention_days = (int)n;
		}
	}
	fclose(f);
}

void
settings_free(struct settings *s)
{
	free(s->org);
	free(s->backup_dir);
	s->org = s->backup_dir = NULL;
}
