/* fanrec — decoding of fanotify info records. */
#include "fanrec.h"

#include <fcntl.h>
#include <string.h>

#ifndef FAN_EVENT_INFO_TYPE_PIDFD
#define FAN_EVENT_INFO_TYPE_PIDFD 4
#endif
#ifndef FAN_EVENT_INFO_TYPE_OLD_DFID_NAME
#define FAN_EVENT_INFO_TYPE_OLD_DFID_NAME 10
#endif
#ifndef FAN_EVENT_INFO_TYPE_NEW_DFID_NAME
#define FAN_EVENT_INFO_TYPE_NEW_DFID_NAME 12
#endif

/* A fid record: header, fsid, then struct file_handle { u32 handle_bytes; int handle_type;
 * u8 f_handle[] }, then (for *_NAME types) the name. */
#define FID_HEAD (sizeof(struct fanotify_event_info_header) + 8)
#define HANDLE_HEAD 8

static bool parse_name(const uint8_t *rec, size_t len, struct fanrec_name *ret) {
        if (len < FID_HEAD + HANDLE_HEAD)
                return false;
        uint32_t handle_bytes;
        memcpy(&handle_bytes, rec + FID_HEAD, sizeof(handle_bytes));
        size_t name_at = FID_HEAD + HANDLE_HEAD;
        if (handle_bytes >= len - name_at) /* the handle, then at least the NUL */
                return false;
        name_at += handle_bytes;
        const char *name = (const char *)rec + name_at;
        if (!memchr(name, '\0', len - name_at))
                return false;
        *ret = (struct fanrec_name){
                .ok = true,
                .fsid = rec + sizeof(struct fanotify_event_info_header),
                .handle = rec + FID_HEAD,
                .name = name,
        };
        return true;
}

void fanrec_parse(const struct fanotify_event_metadata *ev, size_t len, struct fanrec *ret) {
        *ret = (struct fanrec){ .pidfd = -1 };
        if (len < FAN_EVENT_METADATA_LEN || ev->event_len > len || ev->metadata_len < FAN_EVENT_METADATA_LEN ||
            ev->metadata_len > ev->event_len) {
                ret->malformed = true;
                return;
        }
        const uint8_t *p = (const uint8_t *)ev + ev->metadata_len, *end = (const uint8_t *)ev + ev->event_len;
        while (p < end) {
                struct fanotify_event_info_header h;
                if ((size_t)(end - p) < sizeof(h)) {
                        ret->malformed = true;
                        return;
                }
                memcpy(&h, p, sizeof(h));
                if (h.len < sizeof(h) || h.len > (size_t)(end - p)) {
                        ret->malformed = true;
                        return;
                }
                bool ok = true;
                switch (h.info_type) {
                case FAN_EVENT_INFO_TYPE_PIDFD: {
                        int32_t fd;
                        ok = h.len >= sizeof(h) + sizeof(fd);
                        if (ok) {
                                memcpy(&fd, p + sizeof(h), sizeof(fd));
                                ret->has_pidfd = true;
                                ret->pidfd = fd;
                        }
                        break;
                }
                case FAN_EVENT_INFO_TYPE_DFID_NAME:
                case FAN_EVENT_INFO_TYPE_OLD_DFID_NAME:
                        ok = parse_name(p, h.len, &ret->name);
                        break;
                case FAN_EVENT_INFO_TYPE_NEW_DFID_NAME:
                        ok = parse_name(p, h.len, &ret->new_name);
                        break;
                default:
                        break; /* FID, DFID, ranges …: not used */
                }
                if (!ok) {
                        ret->malformed = true;
                        return;
                }
                ret->records++;
                p += h.len;
        }
}
