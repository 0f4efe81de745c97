/* vnuma and vsnd in xl configs (issue 17): what they fill, and what is
 * refused with which words. */
#include "config.h"

#include <criterion/criterion.h>
#include <string.h>

#include "daemon/xl-config.h"
#include "tests/unit/fake-xen-handles.h"
#include "tests/unit/xl-config-test.h"

TestSuite(xl_config_vnuma, .init = setup, .fini = teardown);
TestSuite(xl_config_vsnd, .init = setup, .fini = teardown);

/* The config "name = 'x'\n<extra><key> = [ <value> ]\n" is refused for
 * key, with fragment in the message (each from a fresh config). */
static void expect_refused(const char *key, const char *extra,
    const char *value, const char *fragment)
{
	char *text, *quoted;

	teardown();
	setup();
	cr_assert(asprintf(&text, "name = 'x'\n%s%s = [ %s ]\n", extra, key,
	    value) > 0);
	cr_assert(asprintf(&quoted, "'%s'", key) > 0);
	expect_invalid(text, quoted, fragment);
	free(quoted);
	free(text);
}

/* ------------------------------------------------------------------------
 * vnuma */

Test(xl_config_vnuma, two_vnodes)
{
	const libxl_vnode_info *v;

	expect_ok("name = 'n'\nmemory = 3072\nvcpus = 2\nmaxvcpus = 4\n"
	    "vnuma = [ [ 'pnode=1', 'size=1024', 'vcpus=0-1', "
	    "'vdistances=10,20' ],\n"
	    "  [ 'size = 2048', 'vcpus=2,3', 'vdistances=20, 10' ] ]\n");
	cr_assert_eq(cfg.b_info.num_vnuma_nodes, 2);
	v = &cfg.b_info.vnuma_nodes[0];
	cr_assert_eq(v->pnode, 1);
	cr_assert_eq(v->memkb, 1024 * 1024);
	cr_assert_eq(v->num_distances, 2);
	cr_assert_eq(v->distances[0], 10);
	cr_assert_eq(v->distances[1], 20);
	cr_assert(libxl_bitmap_test(&v->vcpus, 0));
	cr_assert(libxl_bitmap_test(&v->vcpus, 1));
	cr_assert_eq(libxl_bitmap_count_set(&v->vcpus), 2);
	v = &cfg.b_info.vnuma_nodes[1];
	cr_assert_eq(v->pnode, 0);
	cr_assert_eq(v->memkb, 2048 * 1024);
	cr_assert_eq(v->distances[0], 20);
	cr_assert(libxl_bitmap_test(&v->vcpus, 2));
	cr_assert(libxl_bitmap_test(&v->vcpus, 3));
	/* xl's settings: maxmem is the sum, a pnode turns placement off */
	cr_assert_eq(cfg.b_info.max_memkb, 3072 * 1024);
	cr_assert_eq(cfg.b_info.target_memkb, 3072 * 1024);
	cr_assert_eq(cfg.b_info.max_vcpus, 4);
	cr_assert(!libxl_defbool_is_default(cfg.b_info.numa_placement));
	cr_assert(!libxl_defbool_val(cfg.b_info.numa_placement));
}

Test(xl_config_vnuma, sets_maxvcpus_and_maxmem)
{
	expect_ok("name = 'n'\nvnuma = [ [ 'size=512', 'vcpus=0' ] ]\n");
	cr_assert_eq(cfg.b_info.max_vcpus, 1);
	cr_assert_eq(cfg.b_info.max_memkb, 512 * 1024);
	cr_assert_eq(cfg.b_info.vnuma_nodes[0].num_distances, 1);
	cr_assert_eq(cfg.b_info.vnuma_nodes[0].distances[0], 0);
	/* no pnode: libxl's placement stays */
	cr_assert(libxl_defbool_is_default(cfg.b_info.numa_placement));
}

Test(xl_config_vnuma, empty_list_is_nothing)
{
	expect_ok("name = 'n'\nvnuma = []\n");
	cr_assert_eq(cfg.b_info.num_vnuma_nodes, 0);
}

Test(xl_config_vnuma, refused)
{
	static const struct {
		const char *vnuma, *extra, *fragment;
	} bad[] = {
		{ "'size=1'", "", "vnode 1 is not a list" },
		{ "['size=1', 'vcpus=0', []]", "", "vnode 1: entry 3 is not a "
		    "string" },
		{ "['size=1', 'vcpus']", "", "'vcpus' is not NAME=VALUE" },
		{ "['size=1', 'vcpus=0', 'cpus=1']", "", "unknown option "
		    "'cpus'" },
		{ "['size=1x', 'vcpus=0']", "", "size '1x' is not a size" },
		{ "['size=0', 'vcpus=0']", "", "size '0' is not a size" },
		{ "['vcpus=0']", "", "vnode 1 has no size" },
		{ "['size=1']", "", "vnode 1 has no vcpus" },
		{ "['size=1', 'vcpus=']", "", "names no vcpu" },
		{ "['size=1', 'vcpus=1-0']", "", "is not a list of vcpus" },
		{ "['size=1', 'vcpus=0,0']", "", "vcpu 0 is in two vnodes" },
		{ "['size=1', 'vcpus=4096']", "", "is not a list of vcpus" },
		{ "['size=1', 'vcpus=1']", "", "vcpu 0 is in no vnode" },
		{ "['size=1', 'vcpus=0', 'pnode=2']", "", "the host has 2 "
		    "NUMA nodes" },
		{ "['size=1', 'vcpus=0', 'vdistances=10,20']", "",
		    "is not 1 numbers" },
		{ "['size=1', 'vcpus=0', 'vdistances=ten']", "",
		    "is not 1 numbers" },
		{ "['size=1', 'vcpus=0-1']", "maxvcpus = 4\n", "the vnodes "
		    "have 2 vcpus, maxvcpus is 4" },
		{ "['size=1', 'vcpus=0-4095']", "", "more than the" },
		{ "['size=1', 'vcpus=0']", "maxmem = 2\n", "add up to 1 MiB, "
		    "maxmem is 2 MiB" },
		{ "['size=1', 'vcpus=0']", "memory = 2\n", "add up to 1 MiB, "
		    "less than memory (2 MiB)" },
		{ "['size=1', 'vcpus=0']", "vcpus = 2\n", "fewer than vcpus (2)" },
	};

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		expect_refused("vnuma", bad[i].extra, bad[i].vnuma,
		    bad[i].fragment);
	teardown();
	setup();
	expect_invalid("name = 'n'\nvnuma = 'x'\n", "'vnuma'",
	    "expected a list");
}

/* ------------------------------------------------------------------------
 * vsnd */

Test(xl_config_vsnd, cards_pcms_streams)
{
	const libxl_device_vsnd *s;
	const libxl_vsnd_pcm *pcm;

	expect_ok("name = 's'\n"
	    "vsnd = [ [ 'CARD, short-name=Main, long-name=Main card, "
	    "sample-rates=8000;44100, sample-formats=s16_le;U8, "
	    "backend=dom1',\n"
	    "  'pcm, name=out, channels-max=2', 'stream, unique-id=0, type=P',\n"
	    "  'stream, unique-id=1, type=c, buffer-size=0x1000',\n"
	    "  'pcm, name=in', 'stream, type=c' ],\n"
	    "  [ 'stream, channels-min=1' ] ]\n");
	cr_assert_eq(cfg.num_vsnds, 2);
	s = &cfg.vsnds[0];
	cr_assert_eq(s->devid, 0);
	cr_assert_str_eq(s->short_name, "Main");
	cr_assert_str_eq(s->long_name, "Main card");
	cr_assert_str_eq(s->backend_domname, "dom1");
	cr_assert_eq(s->params.num_sample_rates, 2);
	cr_assert_eq(s->params.sample_rates[1], 44100);
	cr_assert_eq(s->params.num_sample_formats, 2);
	cr_assert_eq(s->params.sample_formats[0],
	    LIBXL_VSND_PCM_FORMAT_S16_LE);
	cr_assert_eq(s->params.sample_formats[1], LIBXL_VSND_PCM_FORMAT_U8);
	cr_assert_eq(s->num_vsnd_pcms, 2);
	pcm = &s->pcms[0];
	cr_assert_str_eq(pcm->name, "out");
	cr_assert_eq(pcm->params.channels_max, 2);
	cr_assert_eq(pcm->num_vsnd_streams, 2);
	cr_assert_str_eq(pcm->streams[0].unique_id, "0");
	cr_assert_eq(pcm->streams[0].type, LIBXL_VSND_STREAM_TYPE_P);
	cr_assert_eq(pcm->streams[1].type, LIBXL_VSND_STREAM_TYPE_C);
	cr_assert_eq(pcm->streams[1].params.buffer_size, 4096);
	cr_assert_eq(s->pcms[1].num_vsnd_streams, 1);
	/* a stream before any pcm makes one, as in xl */
	s = &cfg.vsnds[1];
	cr_assert_eq(s->devid, 1);
	cr_assert_eq(s->num_vsnd_pcms, 1);
	cr_assert_null(s->pcms[0].name);
	cr_assert_eq(s->pcms[0].streams[0].params.channels_min, 1);
}

Test(xl_config_vsnd, refused)
{
	static const struct {
		const char *vsnd, *fragment;
	} bad[] = {
		{ "'card'", "card 1 is not a list" },
		{ "['card', []]", "card 1: entry 2 is not a string" },
		{ "['speaker, name=x']", "unknown kind 'speaker'" },
		{ "['name=x, pcm']", "comes before the kind" },
		{ "[' , ']", "card 1: entry 1 has no kind" },
		{ "['card, name=x']", "unsupported option 'name'" },
		{ "['pcm, short-name=x']", "unsupported option 'short-name'" },
		{ "['stream, type=x']", "type: 'x' is not p or c" },
		{ "['stream, type']", "option 'type' has no value" },
		{ "['pcm, channels-min=two']", "channels-min: 'two' is not a "
		    "number" },
		{ "['card, sample-rates=8000;x']", "sample-rates: 'x' is not "
		    "a number" },
		{ "['card, sample-rates=;']", "sample-rates: no rate" },
		{ "['card, sample-formats=s16_le;mp3']", "unknown format "
		    "'mp3'" },
		{ "['card, buffer-size=4294967296']", "buffer-size" },
	};

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		expect_refused("vsnd", "", bad[i].vsnd, bad[i].fragment);
}
