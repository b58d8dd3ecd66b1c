#include <criterion/criterion.h>
Test(stub, seq) { cr_assert(1); }
