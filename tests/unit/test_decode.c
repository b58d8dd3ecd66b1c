#include <criterion/criterion.h>
Test(stub, decode) { cr_assert(1); }
