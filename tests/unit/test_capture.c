#include <criterion/criterion.h>
Test(stub, capture) { cr_assert(1); }
