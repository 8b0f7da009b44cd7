#include "keys.h"

#include <stdio.h>
#include <string.h>

#define KEY_UNIVARIATE_PREFIX "univariate:"

const char *key_univariate(char *buffer, const char *variable)
{
    snprintf(buffer, KEY_SIZE, KEY_UNIVARIATE_PREFIX "%s", variable);
    return buffer;
}

const char *key_univariate_variable(const char *model)
{
    size_t length = strlen(KEY_UNIVARIATE_PREFIX);
    return strncmp(model, KEY_UNIVARIATE_PREFIX, length) == 0 ? model + length : NULL;
}

const char *key_model_of(char *buffer, const char *prefix, const char *variable)
{
    snprintf(buffer, KEY_SIZE, "%s:%s", prefix, variable);
    return buffer;
}

const char *key_model_within(char *buffer, const char *prefix, const char *variable, const char *level)
{
    snprintf(buffer, KEY_SIZE, "%s:%s=%s", prefix, variable, level);
    return buffer;
}

const char *key_stat_at(char *buffer, const char *stat, const char *at)
{
    snprintf(buffer, KEY_SIZE, "%s@%s", stat, at);
    return buffer;
}

const char *key_stat_at_index(char *buffer, const char *stat, size_t index)
{
    snprintf(buffer, KEY_SIZE, "%s@%zu", stat, index);
    return buffer;
}

const char *key_crossover(char *buffer, const char *from, const char *to)
{
    snprintf(buffer, KEY_SIZE, "%s>%s", from, to);
    return buffer;
}

const char *key_stat_with(char *buffer, const char *stat, const char *suffix)
{
    snprintf(buffer, KEY_SIZE, "%s_%s", stat, suffix);
    return buffer;
}
