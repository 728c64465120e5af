/* src/keystore.c: API key lookup and storage (see keystore.h). */
#include "src/keystore.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "src/base/util.h"

static char *
home_path(const char *rel)
{
	const char *home = getenv("HOME");

	if (!home || !*home)
		return NULL;
	return xasprintf("%s/%s", home, rel);
}

#define KEYSTORE_CLOUD_HOST "app.all-hands.dev"

bool
keystore_is_cloud(const char *server)
{
	if (!server || strncasecmp(server, "https://", 8) != 0)
		return false;
	const char *h = server + 8;
	size_t n = strlen(KEYSTORE_CLOUD_HOST);
	if (strncasecmp(h, KEYSTORE_CLOUD_HOST, n) != 0)
		return false;
	/* the host ends there: nothing, a port 443, or a path of "/" */
	return h[n] == '\0' || strcmp(h + n, "/") == 0 || strncmp(h + n, ":443", 4) == 0;
}

/* ~/.config/ohbrowse/keys/<server, with every unsafe character as '_'>. */
static char *
keystore_server_file(const char *server)
{
	struct strbuf sb = { 0 };
	const char *s = server ? server : "";
	const char *sep = strstr(s, "://");
	for (const char *p = s; *p; p++) {
		if (sep && p == sep) {
			strbuf_putc(&sb, '_');
			p += 2;
			continue;
		}
		char c = *p;
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
			  c == '-';
		strbuf_putc(&sb, ok ? c : '_');
	}
	while (sb.len > 0 && sb.buf[sb.len - 1] == '_')
		sb.buf[--sb.len] = '\0';	/* a trailing '/' adds nothing */
	char *rel = xasprintf(".config/ohbrowse/keys/%s", sb.buf ? sb.buf : "server");
	strbuf_free(&sb);
	char *path = home_path(rel);
	free(rel);
	return path;
}

char *
keystore_store_path(const char *server)
{
	if (keystore_is_cloud(server))
		return home_path(".config/openhands/api_token");
	return keystore_server_file(server);
}

/* Read a key file: refuse group/other-readable files, trim whitespace. */
static int
read_key_file(const char *path, bool must_exist, char **key, char *err, size_t errlen)
{
	struct stat st;
	/* O_NONBLOCK: a FIFO named like the key file must not hang the start (it is refused
	 * below as not a regular file) */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	char buf[4096];
	ssize_t n;

	if (fd < 0) {
		if (errno == ENOENT && !must_exist)
			return 1;
		snprintf(err, errlen, "cannot read the key file %s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "the key file %s is not a regular file", path);
		close(fd);
		return -1;
	}
	if (st.st_uid != geteuid()) {
		/* whoever owns it can change the key under us (and read it): only our own */
		snprintf(err, errlen, "the key file %s belongs to another user (uid %u); use a key file of your "
			 "own (ohbrowse login writes one)", path, (unsigned)st.st_uid);
		close(fd);
		return -1;
	}
	if (st.st_mode & 077) {
		snprintf(err, errlen,
			 "the key file %s can be read by other users (mode %04o); protect it with: chmod 600 %s",
			 path, (unsigned)(st.st_mode & 07777), path);
		close(fd);
		return -1;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0) {
		snprintf(err, errlen, "cannot read the key file %s: %s", path, strerror(errno));
		return -1;
	}
	buf[n] = '\0';
	char *s = buf;
	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	size_t len = strlen(s);
	while (len && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\n' || s[len - 1] == '\r'))
		len--;
	if (len == 0) {
		if (must_exist) {
			snprintf(err, errlen, "the key file %s is empty", path);
			return -1;
		}
		return 1;
	}
	for (size_t i = 0; i < len; i++) {
		if ((unsigned char)s[i] < 0x21 || (unsigned char)s[i] > 0x7e) {
			snprintf(err, errlen, "the key file %s holds more than one key-like word; it should "
				 "contain only the API key", path);
			return -1;
		}
	}
	*key = xstrndup(s, len);
	explicit_bzero(buf, sizeof(buf));	/* the key lives on only in *key */
	return 0;
}

int
keystore_lookup(const char *key_file, const char *server, char **key, const char **source, char *err,
		size_t errlen)
{
	const char *env = getenv("OPENHANDS_API_KEY");
	static const char *const rel[] = {".config/openhands/api_token", ".openhands/cloud/api_key.txt"};
	static const char *const names[] = {"~/.config/openhands/api_token", "~/.openhands/cloud/api_key.txt"};

	*key = NULL;
	*source = NULL;
	if (key_file) {
		if (read_key_file(key_file, true, key, err, errlen) != 0)
			return -1;
		*source = "--api-key-file";
		return 0;
	}
	if (env && *env) {
		*key = xstrdup(env);
		*source = "OPENHANDS_API_KEY";
		return 0;
	}
	if (!keystore_is_cloud(server)) {
		/* Only this server's own file: the shared files hold Cloud keys, and a key
		 * is never sent to a server it was not stored for. */
		char *p = keystore_server_file(server);
		if (!p)
			return 1;
		int rc = read_key_file(p, false, key, err, errlen);
		if (rc == 0) {
			static char where[600];
			const char *home = getenv("HOME");
			size_t hl = strlen(home);
			snprintf(where, sizeof(where), "~%s", p + hl);
			*source = where;
		}
		free(p);
		return rc;
	}
	for (size_t i = 0; i < ARRAY_SIZE(rel); i++) {
		char *p = home_path(rel[i]);
		int rc;

		if (!p)
			continue;
		rc = read_key_file(p, false, key, err, errlen);
		free(p);
		if (rc < 0)
			return -1;
		if (rc == 0) {
			*source = names[i];
			return 0;
		}
	}
	return 1;
}

int
keystore_store(const char *key, const char *server, char **stored_path, char *err, size_t errlen)
{
	char *path = keystore_store_path(server);
	char *dir, *tmp;
	int fd;

	if (!path) {
		snprintf(err, errlen, "HOME is not set, so there is nowhere to store the key");
		return -1;
	}
	dir = xstrdup(path);
	*strrchr(dir, '/') = '\0';
	/* mkdir -p with 0700 for the parts we create */
	for (char *p = dir + 1; *p; p++) {
		if (*p == '/') {
			*p = '\0';
			mkdir(dir, 0700);
			*p = '/';
		}
	}
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		snprintf(err, errlen, "cannot create %s: %s", dir, strerror(errno));
		free(dir);
		free(path);
		return -1;
	}
	free(dir);
	tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
		free(tmp);
		free(path);
		return -1;
	}
	size_t len = strlen(key);
	bool ok = write(fd, key, len) == (ssize_t)len && write(fd, "\n", 1) == 1 && fsync(fd) == 0;
	ok = close(fd) == 0 && ok;
	if (!ok || rename(tmp, path) != 0) {
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
		unlink(tmp);
		free(tmp);
		free(path);
		return -1;
	}
	chmod(path, 0600);
	free(tmp);
	*stored_path = path;
	return 0;
}
