package dev.tollgate.bpf.asm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class HelperTest {

    /** Ids as they stand in __BPF_FUNC_MAPPER of include/uapi/linux/bpf.h (FN(name, id, ##ctx)). */
    @ParameterizedTest(name = "{0} = {1}")
    @CsvSource({
        "map_lookup_elem, 1", "map_update_elem, 2", "map_delete_elem, 3", "ktime_get_ns, 5",
        "trace_printk, 6", "get_prandom_u32, 7", "get_smp_processor_id, 8", "skb_store_bytes, 9",
        "tail_call, 12", "get_current_pid_tgid, 14", "get_current_uid_gid, 15", "get_current_comm, 16",
        "get_cgroup_classid, 17", "perf_event_output, 25", "skb_load_bytes, 26", "get_socket_cookie, 46",
        "get_socket_uid, 47", "skb_load_bytes_relative, 68", "skb_cgroup_id, 79", "get_current_cgroup_id, 80",
        "get_local_storage, 81", "skb_ancestor_cgroup_id, 83", "sk_cgroup_id, 128", "sk_ancestor_cgroup_id, 129",
        "ringbuf_output, 130", "ringbuf_reserve, 131", "ringbuf_submit, 132", "ringbuf_discard, 133",
        "cgrp_storage_delete, 211",
    })
    void idsMatchTheKernel(String name, int id) {
        assertThat(Helper.byName(name).id()).isEqualTo(id);
        assertThat(Helper.byId(id)).contains(Helper.byName(name));
    }

    /** The kernel numbers helpers by their position in the mapper; the enum keeps that order. */
    @Test
    void idsArePositionsWithoutGaps() {
        Helper[] all = Helper.values();
        for (int i = 0; i < all.length; i++) {
            assertThat(all[i].id()).as(all[i].name()).isEqualTo(i + 1);
        }
        assertThat(all).hasSize(211);
    }

    @Test
    void namesWithOrWithoutPrefix() {
        assertThat(Helper.byName("skb_load_bytes")).isEqualTo(Helper.SKB_LOAD_BYTES);
        assertThat(Helper.byName("bpf_skb_load_bytes")).isEqualTo(Helper.SKB_LOAD_BYTES);
        assertThat(Helper.byName("SKB_LOAD_BYTES")).isEqualTo(Helper.SKB_LOAD_BYTES);
        assertThat(Helper.SKB_LOAD_BYTES.kernelName()).isEqualTo("bpf_skb_load_bytes");
        assertThat(Helper.SKB_LOAD_BYTES.shortName()).isEqualTo("skb_load_bytes");
    }

    @Test
    void unknownNamesAndIds() {
        assertThatThrownBy(() -> Helper.byName("bpf_frobnicate"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("bpf_frobnicate");
        assertThatThrownBy(() -> Helper.byName("bpf_")).isInstanceOf(IllegalArgumentException.class);
        assertThat(Helper.byId(0)).isEmpty();
        assertThat(Helper.byId(212)).isEmpty();
        assertThat(Helper.byId(-1)).isEmpty();
    }
}
