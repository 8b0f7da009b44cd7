#include "textmap.h"

#include <stdlib.h>
#include <string.h>

uint64_t text_map_hash(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

static embolo_error map_alloc(text_map *map, size_t capacity)
{
    map->capacity = capacity;
    map->used = 0;
    map->keys = calloc(capacity, sizeof *map->keys);
    map->values = malloc(capacity * sizeof *map->values);
    if (map->keys && map->values)
        return EMBOLO_OK;
    text_map_free(map);
    return EMBOLO_ERROR_NOMEM;
}

embolo_error text_map_init(text_map *map, size_t expected)
{
    size_t capacity = 64;
    while (capacity < expected * 2 + 1)
        capacity *= 2;
    return map_alloc(map, capacity);
}

void text_map_free(text_map *map)
{
    for (size_t i = 0; map->keys && i < map->capacity; i++)
        free(map->keys[i]);
    free(map->keys);
    free(map->values);
    map->keys = NULL;
    map->values = NULL;
    map->capacity = map->used = 0;
}

/* The slot holding key, or the empty slot where it would go. */
static size_t map_slot(const text_map *map, const char *key)
{
    size_t mask = map->capacity - 1, i = (size_t)text_map_hash(key) & mask;
    while (map->keys[i] && strcmp(map->keys[i], key) != 0)
        i = (i + 1) & mask;
    return i;
}

/* Doubles the table when it is half full, moving every key. */
static embolo_error map_grow(text_map *map)
{
    text_map grown;
    if (map->used * 2 < map->capacity)
        return EMBOLO_OK;
    if (map_alloc(&grown, map->capacity * 2) != EMBOLO_OK)
        return EMBOLO_ERROR_NOMEM;
    for (size_t i = 0; i < map->capacity; i++) {
        if (!map->keys[i])
            continue;
        size_t slot = map_slot(&grown, map->keys[i]);
        grown.keys[slot] = map->keys[i];
        grown.values[slot] = map->values[i];
        map->keys[i] = NULL;
    }
    grown.used = map->used;
    text_map_free(map);
    *map = grown;
    return EMBOLO_OK;
}

embolo_error text_map_insert(text_map *map, const char *key, size_t value, size_t *stored)
{
    if (map_grow(map) != EMBOLO_OK)
        return EMBOLO_ERROR_NOMEM;
    size_t slot = map_slot(map, key);
    if (!map->keys[slot]) {
        size_t length = strlen(key);
        if (!(map->keys[slot] = malloc(length + 1)))
            return EMBOLO_ERROR_NOMEM;
        memcpy(map->keys[slot], key, length + 1);
        map->values[slot] = value;
        map->used++;
    }
    if (stored)
        *stored = map->values[slot];
    return EMBOLO_OK;
}

size_t text_map_find(const text_map *map, const char *key)
{
    size_t slot = map_slot(map, key);
    return map->keys[slot] ? map->values[slot] : TEXT_MAP_NONE;
}
