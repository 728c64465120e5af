/*
 * src/settings.h: the settings of the config file that are not the browser's
 * (ohbrowse.conf(5): "set org", "set backup-dir", "set retention-days").
 *
 * Owns: finding the config file ($XDG_CONFIG_HOME/ohbrowse/config, or --config) and
 * reading those lines before any client exists, so the CLI and the browser get the same
 * defaults; tui/bindings.c reads the same file for keys and colours and leaves these alone.
 * Command-line options and environment variables win over the file.
 */
#ifndef OHBROWSE_SRC_SETTINGS_H
#define OHBROWSE_SRC_SETTINGS_H

struct settings {
	char *org;		/* set org ID */
	char *backup_dir;	/* set backup-dir DIR (a leading ~/ is the home directory) */
	int retention_days;	/* set retention-days N; 0 = not set */
};

/* The config file's path: given, else $XDG_CONFIG_HOME/ohbrowse/config, else
 * ~/.config/ohbrowse/config; NULL without a home. Caller frees. */
char *settings_config_path(const char *given);
/* Read what there is; a missing file or a malformed value leaves the field unset. */
void settings_load(const char *path, struct settings *out);
void settings_free(struct settings *s);

#endif
