/* cpus_online (stages/common/cpus.h): the machine's processors, within 1 .. CPUS_MAX. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <unistd.h>

#include "common/cpus.h"

static void test_follows_the_machine(void **state)
{
    (void)state;
    long online = sysconf(_SC_NPROCESSORS_ONLN);
    size_t cpus = cpus_online();
    assert_true(cpus >= 1 && cpus <= CPUS_MAX);
    if (online >= 1 && online <= CPUS_MAX)
        assert_int_equal(cpus, (size_t)online);
    assert_int_equal(cpus_online(), cpus);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_follows_the_machine),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
