// SPDX-License-Identifier: MIT
/*
 * IRQ Lens sample: the guest side of the 2-level event-channel ABI.
 * Scans the selector word, then each pending and unmasked word.
 */

#include <linux/irq.h>
#include "events_internal.h"

#define BITS_PER_EVTCHN_WORD 64
#define EVTCHN_2L_NR_CHANNELS 4096

static unsigned long evtchn_pending[EVTCHN_2L_NR_CHANNELS / BITS_PER_EVTCHN_WORD];
static unsigned long evtchn_mask[EVTCHN_2L_NR_CHANNELS / BITS_PER_EVTCHN_WORD];
static unsigned long evtchn_pending_sel;

static unsigned evtchn_2l_max_channels(void)
{
	return EVTCHN_2L_NR_CHANNELS;
}

static void evtchn_2l_clear_pending(evtchn_port_t port)
{
	evtchn_pending[port / BITS_PER_EVTCHN_WORD] &= ~(1UL << (port % BITS_PER_EVTCHN_WORD));
}

static void evtchn_2l_set_pending(evtchn_port_t port)
{
	evtchn_pending[port / BITS_PER_EVTCHN_WORD] |= 1UL << (port % BITS_PER_EVTCHN_WORD);
}

static bool evtchn_2l_is_pending(evtchn_port_t port)
{
	return (evtchn_pending[port / BITS_PER_EVTCHN_WORD] >> (port % BITS_PER_EVTCHN_WORD)) & 1;
}

static void evtchn_2l_mask(evtchn_port_t port)
{
	evtchn_mask[port / BITS_PER_EVTCHN_WORD] |= 1UL << (port % BITS_PER_EVTCHN_WORD);
}

/*
 * Unmask locally; a port that was pending while masked must be noticed,
 * so the selector bit is set again (the hypervisor does the same in
 * evtchn_2l_unmask on its side).
 */
static void evtchn_2l_unmask(evtchn_port_t port)
{
	evtchn_mask[port / BITS_PER_EVTCHN_WORD] &= ~(1UL << (port % BITS_PER_EVTCHN_WORD));
	if (evtchn_2l_is_pending(port))
		evtchn_pending_sel |= 1UL << (port / BITS_PER_EVTCHN_WORD);
}

/*
 * Scan the pending words named by the selector and run each port's IRQ.
 * The selector is consumed first so that new events set it again.
 */
static void evtchn_2l_handle_events(unsigned cpu, struct evtchn_loop_ctrl *ctrl)
{
	unsigned long pending_words = evtchn_pending_sel;
	unsigned int word_idx, bit_idx;

	(void)cpu;
	evtchn_pending_sel = 0;

	for (word_idx = 0; word_idx < BITS_PER_EVTCHN_WORD; word_idx++) {
		unsigned long pending_bits;

		if (!(pending_words & (1UL << word_idx)))
			continue;
		pending_bits = evtchn_pending[word_idx] & ~evtchn_mask[word_idx];
		for (bit_idx = 0; bit_idx < BITS_PER_EVTCHN_WORD; bit_idx++) {
			if (pending_bits & (1UL << bit_idx))
				handle_irq_for_port(word_idx * BITS_PER_EVTCHN_WORD + bit_idx, ctrl);
		}
	}
}

static const struct evtchn_ops evtchn_ops_2l = {
	.max_channels	= evtchn_2l_max_channels,
	.clear_pending	= evtchn_2l_clear_pending,
	.set_pending	= evtchn_2l_set_pending,
	.is_pending	= evtchn_2l_is_pending,
	.mask		= evtchn_2l_mask,
	.unmask		= evtchn_2l_unmask,
	.handle_events	= evtchn_2l_handle_events,
};

void __init xen_evtchn_2l_init(void)
{
	evtchn_ops = &evtchn_ops_2l;
}
