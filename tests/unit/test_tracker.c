#include <criterion/criterion.h>
Test(stub, tracker) { cr_assert(1); }
