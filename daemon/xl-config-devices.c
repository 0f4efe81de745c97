/* The device lists of an xl config: disk, vif, pci, vfb, vkb, channel,
 * p9, vtpm, pvcalls, usbctrl, usbdev, vdispl.  Each entry is one spec;
 * libxlutil parses disks, pci and rates, the others are comma-separated
 * "option=value" items as in xl_parse.c of Xen 4.17, where an unknown or
 * malformed option is an error (xl sometimes ignores it).  Devids are
 * numbered as xl numbers them. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/xl-config.h"
#include "daemon/xl-config-int.h"
#include "proto/mem.h"

/* ------------------------------------------------------------------------
 * disk */

bool xlc_disk_from_spec(struct xlc_xlu *x, const char *spec,
    libxl_device_disk *disk, char *why, size_t whylen)
{
	if (xlu_disk_parse(x->cfg, 1, &spec, disk) == 0)
		return true;
	xlc_take_report(x, why, whylen, "bad disk spec");
	return false;
}

static struct err *disk_entry(struct xlc *p, const char *key, int i,
    const char *spec)
{
	libxl_domain_config *d = p->d;
	libxl_device_disk *disk;
	char why[512];

	disk = XLC_APPEND(d->disks, d->num_disks, libxl_device_disk_init);
	if (xlc_disk_from_spec(&p->xlu, spec, disk, why, sizeof why))
		return NULL;
	return xlc_bad_value(p, key, "entry %d: %s", i + 1, why);
}

struct err *xlc_disks(struct xlc *p, const struct xlc_key *k)
{
	return xlc_each_spec(p, k->name, disk_entry);
}

/* ------------------------------------------------------------------------
 * vif */

/* xx:xx:xx:xx:xx:xx, one or two hex digits each. */
static bool parse_mac(const char *s, libxl_mac mac)
{
	for (int i = 0; i < 6; i++) {
		int digits = 0, value = 0;

		for (; digits < 2; digits++, s++) {
			if (*s >= '0' && *s <= '9')
				value = value * 16 + (*s - '0');
			else if (*s >= 'a' && *s <= 'f')
				value = value * 16 + (*s - 'a' + 10);
			else if (*s >= 'A' && *s <= 'F')
				value = value * 16 + (*s - 'A' + 10);
			else
				break;
		}
		if (digits == 0 || *s != (i < 5 ? ':' : '\0'))
			return false;
		mac[i] = (uint8_t)value;
		if (i < 5)
			s++;
	}
	return true;
}

#define NIC(n, f) { n, offsetof(libxl_device_nic, f) }
static const struct xlc_string_option nic_strings[] = {
	NIC("bridge", bridge), NIC("ip", ip), NIC("script", script),
	NIC("backend", backend_domname), NIC("vifname", ifname),
	NIC("model", model), NIC("gatewaydev", gatewaydev),
	NIC("netdev", gatewaydev),	/* its old name */
};

static bool nic_option(struct xlc *p, void *dev, const char *name,
    char *value, char *why, size_t whylen)
{
	libxl_device_nic *nic = dev;
	unsigned long ul;

	if (value == NULL && (strcmp(name, "trusted") == 0 ||
	    strcmp(name, "untrusted") == 0)) {
		libxl_defbool_set(&nic->trusted, name[0] == 't');
		return true;
	}
	if (!xlc_need_value(name, value, why, whylen))
		return false;
	if (xlc_string_option(nic_strings, sizeof nic_strings /
	    sizeof nic_strings[0], nic, name, value))
		return true;
	if (strcmp(name, "mac") == 0)
		return parse_mac(value, nic->mac) ? true :
		    XLC_WHY("'%.*s' is not a MAC address", XLC_QUOTE(value));
	if (strcmp(name, "type") == 0) {
		if (strcmp(value, "vif") == 0 || strcmp(value, "ioemu") == 0) {
			nic->nictype = value[0] == 'v' ? LIBXL_NIC_TYPE_VIF :
			    LIBXL_NIC_TYPE_VIF_IOEMU;
			return true;
		}
		return XLC_WHY("type '%.*s' is not vif or ioemu", XLC_QUOTE(value));
	}
	if (strcmp(name, "rate") == 0) {
		errno = 0;	/* libxlutil tests errno without setting it */
		if (xlu_vif_parse_rate(p->xlu.cfg, value, nic) == 0)
			return true;
		xlc_take_report(&p->xlu, why, whylen, "bad rate");
		return false;
	}
	if (strcmp(name, "mtu") == 0) {
		if (!xlc_option_ulong(name, value, 65535, &ul, why, whylen))
			return false;
		if (ul < 68)
			return XLC_WHY("mtu '%.*s' is not between 68 and 65535",
			    XLC_QUOTE(value));
		nic->mtu = (int)ul;
		return true;
	}
	if (strcmp(name, "devid") == 0) {
		if (!xlc_option_ulong(name, value, 65535, &ul, why, whylen))
			return false;
		nic->devid = (libxl_devid)ul;
		return true;
	}
	if (strncmp(name, "colo_", 5) == 0 || strcmp(name, "forwarddev") == 0)
		return XLC_WHY("'%.*s' is for COLO, which needs xl remus",
		    XLC_QUOTE(name));
	return xlc_unknown(name, why, whylen);
}

bool xlc_nic_from_spec(struct xlc *p, const char *spec,
    libxl_device_nic *nic, char *why, size_t whylen)
{
	return xlc_options(p, spec, nic, nic_option, why, whylen);
}

static struct err *vif_entry(struct xlc *p, const char *key, int i,
    const char *spec)
{
	libxl_domain_config *d = p->d;
	libxl_device_nic *nic;

	nic = XLC_APPEND(d->nics, d->num_nics, libxl_device_nic_init);
	nic->devid = i;
	return xlc_spec_options(p, key, i, spec, nic, nic_option);
}

struct err *xlc_vifs(struct xlc *p, const struct xlc_key *k)
{
	return xlc_each_spec(p, k->name, vif_entry);
}

/* ------------------------------------------------------------------------
 * pci: the pci_* keys are every device's defaults */

static struct err *pci_default(struct xlc *p, const char *key, bool *out)
{
	struct err *e;
	long l;

	if (!xlc_has(p, key))
		return NULL;
	if ((e = xlc_long(p, key, LONG_MIN, LONG_MAX, &l)) == NULL)
		*out = l != 0;
	return e;
}

/* libxlutil 4.17's parse_bdf reads an unset %n (and crashes) when "bus:dev"
 * or "dom:bus:dev" is not followed by '.': such a BDF never reaches it. */
static bool bdf_safe(const char *s)
{
	int colons = 0;

	while (isxdigit((unsigned char)*s) || *s == ':')
		colons += *s++ == ':';
	return (colons != 1 && colons != 2) || *s == '.';
}

bool xl_config_pci_spec_safe(const char *spec)
{
	if (!bdf_safe(spec))
		return false;
	for (const char *p = spec; (p = strstr(p, "bdf=")) != NULL; p += 4)
		if ((p == spec || p[-1] == ',') && !bdf_safe(p + 4))
			return false;
	return true;
}

struct err *xlc_pcis(struct xlc *p, const struct xlc_key *k)
{
	libxl_domain_config *d = p->d;
	bool msitranslate = false, power_mgmt = false, permissive = false,
	    seize = false;
	libxl_device_pci *pci;
	XLU_ConfigList *list;
	const char *spec;
	char why[256];
	struct err *e;
	int n;

	if ((e = pci_default(p, "pci_msitranslate", &msitranslate)) ||
	    (e = pci_default(p, "pci_power_mgmt", &power_mgmt)) ||
	    (e = pci_default(p, "pci_permissive", &permissive)) ||
	    (e = pci_default(p, "pci_seize", &seize)) ||
	    (e = xlc_list(p, k->name, &list, &n)))
		return e;
	for (int i = 0; i < n; i++) {
		if ((e = xlc_list_string(p, k->name, list, i, &spec)) != NULL)
			return e;
		pci = XLC_APPEND(d->pcidevs, d->num_pcidevs,
		    libxl_device_pci_init);
		pci->msitranslate = msitranslate;
		pci->power_mgmt = power_mgmt;
		pci->permissive = permissive;
		pci->seize = seize;
		/* xl reads the HVM field whatever the type; for pv that is
		 * the zeroed tail of the union: strict. */
		pci->rdm_policy = d->c_info.type == LIBXL_DOMAIN_TYPE_HVM ?
		    d->b_info.u.hvm.rdm.policy :
		    LIBXL_RDM_RESERVE_POLICY_STRICT;
		if (!xl_config_pci_spec_safe(spec))
			return xlc_bad_value(p, k->name, "entry %d: '%.*s' is "
			    "not [[domain:]bus:]dev.func", i + 1,
			    XLC_QUOTE(spec));
		if (xlu_pci_parse_spec_string(p->xlu.cfg, pci, spec) != 0) {
			xlc_take_report(&p->xlu, why, sizeof why,
			    "bad pci spec");
			return xlc_bad_value(p, k->name, "entry %d: %s", i + 1,
			    why);
		}
	}
	/* A pv guest with devices sees the host's memory map (as in xl). */
	if (n > 0 && d->c_info.type == LIBXL_DOMAIN_TYPE_PV)
		libxl_defbool_set(&d->b_info.u.pv.e820_host, true);
	return NULL;
}

/* ------------------------------------------------------------------------
 * p9, vtpm, pvcalls */

#define P9(n, f) { n, offsetof(libxl_device_p9, f) }
static const struct xlc_string_option p9_strings[] = {
	P9("security_model", security_model), P9("path", path),
	P9("tag", tag), P9("backend", backend_domname),
};

static bool p9_option(struct xlc *p, void *dev, const char *name,
    char *value, char *why, size_t whylen)
{
	(void)p;
	if (!xlc_need_value(name, value, why, whylen))
		return false;
	return xlc_string_option(p9_strings, sizeof p9_strings /
	    sizeof p9_strings[0], dev, name, value) ? true :
	    xlc_unknown(name, why, whylen);
}

static struct err *p9_entry(struct xlc *p, const char *key, int i,
    const char *spec)
{
	libxl_domain_config *d = p->d;
	libxl_device_p9 *p9;
	struct err *e;

	/* No devid: xl initialises each p9 device twice, the second time
	 * after numbering it. */
	p9 = XLC_APPEND(d->p9s, d->num_p9s, libxl_device_p9_init);
	if ((e = xlc_spec_options(p, key, i, spec, p9, p9_option)) != NULL)
		return e;
	if (p9->path == NULL || p9->security_model == NULL || p9->tag == NULL)
		return xlc_bad_value(p, key, "entry %d: path, security_model "
		    "and tag are required", i + 1);
	return NULL;
}

struct err *xlc_p9s(struct xlc *p, const struct xlc_key *k)
{
	return xlc_each_spec(p, k->name, p9_entry);
}

static bool vtpm_option(struct xlc *p, void *dev, const char *name,
    char *value, char *why, size_t whylen)
{
	libxl_device_vtpm *vtpm = dev;

	(void)p;
	if (!xlc_need_value(name, value, why, whylen))
		return false;
	if (strcmp(name, "backend") == 0) {
		xreplace(&vtpm->backend_domname, value);
		return true;
	}
	if (strcmp(name, "uuid") == 0)
		return libxl_uuid_from_string(&vtpm->uuid, value) == 0 ? true :
		    XLC_WHY("'%.*s' is not a UUID", XLC_QUOTE(value));
	return xlc_unknown(name, why, whylen);
}

static struct err *vtpm_entry(struct xlc *p, const char *key, int i,
    const char *spec)
{
	libxl_domain_config *d = p->d;
	libxl_device_vtpm *vtpm;
	struct err *e;

	vtpm = XLC_APPEND(d->vtpms, d->num_vtpms, libxl_device_vtpm_init);
	vtpm->devid = i;
	if ((e = xlc_spec_options(p, key, i, spec, vtpm, vtpm_option)) != NULL)
		return e;
	if (vtpm->backend_domname == NULL)
		return xlc_bad_value(p, key, "entry %d: backend is required",
		    i + 1);
	return NULL;
}

struct err *xlc_vtpms(struct xlc *p, const struct xlc_key *k)
{
	return xlc_each_spec(p, k->name, vtpm_entry);
}

static bool pvcalls_option(struct xlc *p, void *dev, const char *name,
    char *value, char *why, size_t whylen)
{
	libxl_device_pvcallsif *pvcalls = dev;

	(void)p;
	if (!xlc_need_value(name, value, why, whylen))
		return false;
	if (strcmp(name, "backend") != 0)
		return xlc_unknown(name, why, whylen);
	xreplace(&pvcalls->backend_domname, value);
	return true;
}

static struct err *pvcalls_entry(struct xlc *p, const char *key, int i,
    const char *spec)
{
	libxl_domain_config *d = p->d;
	libxl_device_pvcallsif *pvcalls;

	pvcalls = XLC_APPEND(d->pvcallsifs, d->num_pvcallsifs,
	    libxl_device_pvcallsif_init);
	pvcalls->devid = i;
	return xlc_spec_options(p, key, i, spec, pvcalls, pvcalls_option);
}

struct err *xlc_pvcalls(struct xlc *p, const struct xlc_key *k)
{
	return xlc_each_spec(p, k->name, pvcalls_entry);
}

/* ------------------------------------------------------------------------
 * channel */

/* The socket path waits here until the connection is known. */
struct channel_spec {
	libxl_device_channel *chn;
	char *path;
};

static bool channel_option(struct xlc *p, void *dev, const char *name,
    char *value, char *why, size_t whylen)
{
	struct channel_spec *c = dev;

	(void)p;
	if (!xlc_need_value(name, value, why, whylen))
		return false;
	value = xlc_trim(value);
	if (strcmp(name, "backend") == 0)
		xreplace(&c->chn->backend_domname, value);
	else if (strcmp(name, "name") == 0)
		xreplace(&c->chn->name, value);
	else if (strcmp(name, "path") == 0)
		xreplace(&c->path, value);
	else if (strcmp(name, "connection") != 0)
		return xlc_unknown(name, why, whylen);
	else if (strcmp(value, "pty") == 0)
		c->chn->connection = LIBXL_CHANNEL_CONNECTION_PTY;
	else if (strcmp(value, "socket") == 0)
		c->chn->connection = LIBXL_CHANNEL_CONNECTION_SOCKET;
	else
		return XLC_WHY("connection '%.*s' is not pty or socket",
		    XLC_QUOTE(value));
	return true;
}

static struct err *channel_entry(struct xlc *p, const char *key, int i,
    const char *spec)
{
	libxl_domain_config *d = p->d;
	struct channel_spec c = { 0 };
	struct err *e;

	c.chn = XLC_APPEND(d->channels, d->num_channels,
	    libxl_device_channel_init);
	c.chn->devid = i;
	e = xlc_spec_options(p, key, i, spec, &c, channel_option);
	if (e == NULL && c.chn->connection == LIBXL_CHANNEL_CONNECTION_UNKNOWN)
		e = xlc_bad_value(p, key, "entry %d: connection (pty or "
		    "socket) is required", i + 1);
	if (e == NULL &&
	    c.chn->connection == LIBXL_CHANNEL_CONNECTION_SOCKET) {
		if (c.path == NULL)
			e = xlc_bad_value(p, key, "entry %d: a socket needs "
			    "path", i + 1);
		else
			c.chn->u.socket.path = xstrdup(c.path);
	}
	free(c.path);
	return e;
}

struct err *xlc_channels(struct xlc *p, const struct xlc_key *k)
{
	return xlc_each_spec(p, k->name, channel_entry);
}
