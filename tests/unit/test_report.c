#include <criterion/criterion.h>
Test(stub, report) { cr_assert(1); }
