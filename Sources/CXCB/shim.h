#include <sys/ipc.h>
#include <sys/shm.h>
#include <xcb/xcb.h>
#include <xcb/shm.h>
#include <xcb/xtest.h>
#include <xcb/damage.h>
#include <xcb/xfixes.h>
#include <xcb/randr.h>

// Extension ids are incomplete extern structs Swift cannot import; hand out their addresses.
static inline xcb_extension_t *cxcb_shm_id(void) { return &xcb_shm_id; }
static inline xcb_extension_t *cxcb_test_id(void) { return &xcb_test_id; }
static inline xcb_extension_t *cxcb_damage_id(void) { return &xcb_damage_id; }
static inline xcb_extension_t *cxcb_xfixes_id(void) { return &xcb_xfixes_id; }
static inline xcb_extension_t *cxcb_randr_id(void) { return &xcb_randr_id; }
