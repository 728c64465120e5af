/* src/savepath.c: the archive prompt's typed name -> an absolute path (see savepath.h). */
#include "src/savepath.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "archive/names.h"
#include "src/base/util.h"

static bool
savepath_is_dir(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool
savepath_exists(const char *p)
{
	struct stat st;
	return lstat(p, &st) == 0;
}

char *
savepath_resolve(const char *typed, const char *dir, const char *base, char *err, size_t errlen)
{
	while (*typed == ' ')
		typed++;
	size_t len = strlen(typed);
	while (len > 0 && typed[len - 1] == ' ')
		len--;
	if (len == 0) {
		snprintf(err, errlen, "an archive needs a name");
		return NULL;
	}
	char *t = xstrndup(typed, len);
	char *path = NULL;
	if (t[0] == '~' && (t[1] == '/' || t[1] == '\0')) {
		const char *home = getenv("HOME");
		if (!home || !*home) {
			snprintf(err, errlen, "~ needs $HOME, which is not set: type the whole path");
			free(t);
			return NULL;
		}
		path = xasprintf("%s%s", home, t + 1);
	} else if (t[0] == '~') {
		snprintf(err, errlen, "~user is not expanded: type the whole path");
		free(t);
		return NULL;
	} else if (t[0] == '/') {
		path = xstrdup(t);
	} else {
		char cwd[4096];
		const char *from = dir && *dir ? dir : NULL;
		if (!from || from[0] != '/') {
			if (!getcwd(cwd, sizeof(cwd))) {
				snprintf(err, errlen, "cannot tell the current directory: %s", strerror(errno));
				free(t);
				return NULL;
			}
		}
		if (!from)
			path = xasprintf("%s/%s", cwd, t);
		else if (from[0] == '/')
			path = xasprintf("%s/%s", from, t);
		else
			path = xasprintf("%s/%s/%s", cwd, from, t);
	}
	free(t);
	bool want_dir = path[strlen(path) - 1] == '/';
	/* Drop trailing slashes (but keep "/"), so joins and messages read well. */
	size_t pl = strlen(path);
	while (pl > 1 && path[pl - 1] == '/')
		path[--pl] = '\0';
	if (want_dir || savepath_is_dir(path)) {
		if (!savepath_is_dir(path)) {
			snprintf(err, errlen, "%s/ is not a directory", path);
			free(path);
			return NULL;
		}
		char *picked = names_pick_archive_path(path, base, NULL, err, errlen);
		free(path);
		return picked;
	}
	char *slash = strrchr(path, '/');
	char *parent = slash == path ? xstrdup("/") : xstrndup(path, (size_t)(slash - path));
	if (!savepath_is_dir(parent)) {
		snprintf(err, errlen, "there is no directory %s", parent);
		free(parent);
		free(path);
		return NULL;
	}
	free(parent);
	char *part = xasprintf("%s.part", path);
	bool taken = savepath_exists(path) || savepath_exists(part);
	free(part);
	if (taken) {
		snprintf(err, errlen, "%s already exists (archives never overwrite): type another name or a directory",
			 path);
		free(path);
		return NULL;
	}
	return path;
}
