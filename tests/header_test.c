/* SPDX-License-Identifier: BSD-2-Clause */
/* Each public header must compile on its own (built once per header). */
#include TT_TEST_HEADER
#include TT_TEST_HEADER /* and twice: the include guard works */

int main(void)
{
	return 0;
}
