/* xlctl's entry point; everything else lives in libxlctl-cli so that the
 * unit tests can drive it. */
#include "config.h"

#include "client/xlctl-cli.h"

int main(int argc, char **argv)
{
	return xlctl_cli_main(argc, argv);
}
