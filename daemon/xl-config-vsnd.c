/* vsnd: virtual sound cards, as xl's parse_vsnd_config (Xen 4.17) reads
 * them.  The key is a list of cards; a card is a list of strings, each a
 * kind and its options: "card, short-name=...", "pcm, name=..." (a new
 * device of the card), "stream, type=p, ..." (a new stream of the last
 * device; the first without one makes one).  The rules of the other
 * device lists hold (xl-config-devices.c): an option xl does not know,
 * one without a value, or a number with junk after it is refused. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "daemon/xl-config-int.h"
#include "proto/mem.h"

#define WHY XLC_WHY
#define QUOTE XLC_QUOTE

enum vsnd_kind {
	VSND_NONE,	/* the kind comes first */
	VSND_CARD,
	VSND_PCM,
	VSND_STREAM,
};

/* One string of a card, as it is read. */
struct vsnd_item {
	libxl_device_vsnd *vsnd;
	enum vsnd_kind kind;
};

/* "a;b;c": at least one number up to UINT32_MAX. */
static bool rates(libxl_vsnd_params *params, const char *name,
    const char *value, char *why, size_t whylen)
{
	char *copy = xstrdup(value), *item, *save = NULL;
	unsigned long ul;
	bool ok = true;

	free(params->sample_rates);
	params->sample_rates = NULL;
	params->num_sample_rates = 0;
	for (item = strtok_r(copy, ";", &save); item != NULL && ok;
	    item = strtok_r(NULL, ";", &save)) {
		ok = xlc_option_ulong(name, xlc_trim(item), UINT32_MAX, &ul, why,
		    whylen);
		if (ok) {
			params->sample_rates = xrealloc(params->sample_rates,
			    (size_t)(params->num_sample_rates + 1) *
			    sizeof *params->sample_rates);
			params->sample_rates[params->num_sample_rates++] =
			    (uint32_t)ul;
		}
	}
	free(copy);
	if (ok && params->num_sample_rates == 0)
		return WHY("%s: no rate", name);
	return ok;
}

/* "s16_le;u8": libxl's names of formats. */
static bool formats(libxl_vsnd_params *params, const char *name,
    const char *value, char *why, size_t whylen)
{
	char *copy = xstrdup(value), *item, *save = NULL;
	libxl_vsnd_pcm_format format;
	bool ok = true;

	free(params->sample_formats);
	params->sample_formats = NULL;
	params->num_sample_formats = 0;
	for (item = strtok_r(copy, ";", &save); item != NULL && ok;
	    item = strtok_r(NULL, ";", &save)) {
		item = xlc_trim(item);
		ok = libxl_vsnd_pcm_format_from_string(item, &format) == 0;
		if (ok) {
			params->sample_formats = xrealloc(
			    params->sample_formats,
			    (size_t)(params->num_sample_formats + 1) *
			    sizeof *params->sample_formats);
			params->sample_formats[params->num_sample_formats++] =
			    format;
		} else {
			snprintf(why, whylen, "%s: unknown format '%.*s'",
			    name, QUOTE(item));
		}
	}
	free(copy);
	if (ok && params->num_sample_formats == 0)
		return WHY("%s: no format", name);
	return ok;
}

/* The options a card, a device and a stream all have: true if name is
 * one, with *ok whether its value is good. */
static bool params_option(libxl_vsnd_params *params, const char *name,
    const char *value, bool *ok, char *why, size_t whylen)
{
	static const struct {
		const char *name;
		size_t offset;
	} numbers[] = {
		{ "channels-min", offsetof(libxl_vsnd_params, channels_min) },
		{ "channels-max", offsetof(libxl_vsnd_params, channels_max) },
		{ "buffer-size", offsetof(libxl_vsnd_params, buffer_size) },
	};
	unsigned long ul;

	if (strcmp(name, "sample-rates") == 0) {
		*ok = rates(params, name, value, why, whylen);
		return true;
	}
	if (strcmp(name, "sample-formats") == 0) {
		*ok = formats(params, name, value, why, whylen);
		return true;
	}
	for (size_t i = 0; i < sizeof numbers / sizeof numbers[0]; i++)
		if (strcmp(numbers[i].name, name) == 0) {
			*ok = xlc_option_ulong(name, value, UINT32_MAX, &ul,
			    why, whylen);
			if (*ok)
				*(uint32_t *)((char *)params +
				    numbers[i].offset) = (uint32_t)ul;
			return true;
		}
	return false;
}

/* An option of a card, a device or a stream: one of its strings, or of
 * the options they all have. */
static bool kind_option(void *dev, const struct xlc_string_option *strings,
    size_t nstrings, libxl_vsnd_params *params, const char *name,
    const char *value, char *why, size_t whylen)
{
	bool ok;

	if (xlc_string_option(strings, nstrings, dev, name, value))
		return true;
	if (params_option(params, name, value, &ok, why, whylen))
		return ok;
	return xlc_unknown(name, why, whylen);
}

static bool card_option(libxl_device_vsnd *vsnd, const char *name,
    const char *value, char *why, size_t whylen)
{
	static const struct xlc_string_option strings[] = {
		{ "backend", offsetof(libxl_device_vsnd, backend_domname) },
		{ "short-name", offsetof(libxl_device_vsnd, short_name) },
		{ "long-name", offsetof(libxl_device_vsnd, long_name) },
	};

	return kind_option(vsnd, strings, sizeof strings / sizeof strings[0],
	    &vsnd->params, name, value, why, whylen);
}

static bool pcm_option(libxl_vsnd_pcm *pcm, const char *name,
    const char *value, char *why, size_t whylen)
{
	static const struct xlc_string_option strings[] = {
		{ "name", offsetof(libxl_vsnd_pcm, name) },
	};

	return kind_option(pcm, strings, 1, &pcm->params, name, value, why,
	    whylen);
}

static bool stream_option(libxl_vsnd_stream *stream, const char *name,
    const char *value, char *why, size_t whylen)
{
	static const struct xlc_string_option strings[] = {
		{ "unique-id", offsetof(libxl_vsnd_stream, unique_id) },
	};

	if (strcmp(name, "type") == 0) {
		if (libxl_vsnd_stream_type_from_string(value,
		    &stream->type) != 0)
			return WHY("type: '%.*s' is not p or c", QUOTE(value));
		return true;
	}
	return kind_option(stream, strings, 1, &stream->params, name, value,
	    why, whylen);
}

/* The first word: what the string adds to the card. */
static bool start_item(struct vsnd_item *item, const char *name,
    const char *value, char *why, size_t whylen)
{
	libxl_device_vsnd *vsnd = item->vsnd;
	libxl_vsnd_pcm *pcm;

	if (value != NULL)
		return WHY("'%.*s=...' comes before the kind (card, pcm or "
		    "stream)", QUOTE(name));
	if (strcasecmp(name, "card") == 0) {
		item->kind = VSND_CARD;
	} else if (strcasecmp(name, "pcm") == 0) {
		item->kind = VSND_PCM;
		XLC_APPEND(vsnd->pcms, vsnd->num_vsnd_pcms,
		    libxl_vsnd_pcm_init);
	} else if (strcasecmp(name, "stream") == 0) {
		item->kind = VSND_STREAM;
		if (vsnd->num_vsnd_pcms == 0)
			XLC_APPEND(vsnd->pcms, vsnd->num_vsnd_pcms,
			    libxl_vsnd_pcm_init);
		pcm = &vsnd->pcms[vsnd->num_vsnd_pcms - 1];
		XLC_APPEND(pcm->streams, pcm->num_vsnd_streams,
		    libxl_vsnd_stream_init);
	} else {
		return WHY("unknown kind '%.*s' (card, pcm or stream)",
		    QUOTE(name));
	}
	return true;
}

static bool item_option(struct xlc *p, void *dev, const char *name,
    char *value, char *why, size_t whylen)
{
	struct vsnd_item *item = dev;
	libxl_device_vsnd *vsnd = item->vsnd;
	libxl_vsnd_pcm *pcm;

	(void)p;
	if (item->kind == VSND_NONE)
		return start_item(item, name, value, why, whylen);
	if (!xlc_need_value(name, value, why, whylen))
		return false;
	pcm = &vsnd->pcms[vsnd->num_vsnd_pcms > 0 ? vsnd->num_vsnd_pcms - 1 :
	    0];
	switch (item->kind) {
	case VSND_CARD:
		return card_option(vsnd, name, value, why, whylen);
	case VSND_PCM:
		return pcm_option(pcm, name, value, why, whylen);
	case VSND_STREAM:
		return stream_option(&pcm->streams[pcm->num_vsnd_streams - 1],
		    name, value, why, whylen);
	case VSND_NONE:
		break;
	}
	return WHY("no kind");
}

static struct err *card(struct xlc *p, const char *key, XLU_ConfigList *cards,
    int i)
{
	libxl_domain_config *d = p->d;
	XLU_ConfigValue *value = xlu_cfg_get_listitem2(cards, i), *entry;
	XLU_ConfigList *strings;
	libxl_device_vsnd *vsnd;
	struct vsnd_item item;
	const char *spec;
	char why[512];

	if (xlu_cfg_value_get_list(p->xlu.cfg, value, &strings, 1) != 0)
		return xlc_bad_value(p, key, "card %d is not a list", i + 1);
	vsnd = XLC_APPEND(d->vsnds, d->num_vsnds, libxl_device_vsnd_init);
	vsnd->devid = d->num_vsnds - 1;
	for (int j = 0; (entry = xlu_cfg_get_listitem2(strings, j)); j++) {
		if (xlu_cfg_value_type(entry) != XLU_STRING)
			return xlc_bad_value(p, key, "card %d: entry %d is not "
			    "a string", i + 1, j + 1);
		spec = xlu_cfg_get_listitem(strings, j);
		item = (struct vsnd_item){ .vsnd = vsnd, .kind = VSND_NONE };
		if (!xlc_options(p, spec, &item, item_option, why, sizeof why))
			return xlc_bad_value(p, key, "card %d: entry %d: %s",
			    i + 1, j + 1, why);
		if (item.kind == VSND_NONE)
			return xlc_bad_value(p, key, "card %d: entry %d has no "
			    "kind (card, pcm or stream)", i + 1, j + 1);
	}
	return NULL;
}

struct err *xlc_vsnds(struct xlc *p, const struct xlc_key *k)
{
	XLU_ConfigList *cards;
	struct err *e;
	int n;

	if ((e = xlc_list(p, k->name, &cards, &n)) != NULL)
		return e;
	for (int i = 0; i < n; i++)
		if ((e = card(p, k->name, cards, i)) != NULL)
			return e;
	return NULL;
}
