/*
 * A foreign exchange built on libss7, linked to one ainsim SSP by MTP2 over
 * UDP on loopback. Fresh code written against libss7's public API (libss7.h);
 * it is ainsim's outside judge (crates/runtime/tests/libss7.rs).
 *
 * libss7's software MTP2 runs over any packet fd with SS7_TRANSPORT_DAHDIDCHAN:
 * ss7_read() read()s one signal unit + 2 FCS octets, ss7_write() write()s one
 * (FCS written as zeros). A connected UDP socket keeps datagram boundaries,
 * so it stands in for a DAHDI HDLC channel. A UDP socket is always writable,
 * so writes are paced here (one unit per PACE_MS) instead of on POLLOUT.
 *
 * Usage: exchange itu|ansi LOCAL_PORT PEER_PORT OWN_PC ADJ_PC CALLED TIMEOUT_S
 *
 * Script, after the link is up (SS7_EVENT_UP):
 *   1. GRS on CICs 1..8, expect GRA;
 *   2. CGB (maintenance) on CICs 5..8, expect CGBA; CGU, expect CGUA;
 *   3. call CALLED on CIC 1: IAM, expect ACM and ANM, hold 1 s, REL 16, expect RLC;
 *   4. answer one call from the SSP: on IAM send ACM, then ANM 300 ms later,
 *      and RLC when the SSP releases.
 * Meanwhile GRS/CGB/CGU from the SSP are acknowledged. Every event is printed
 * on stdout as one line ("EVENT GRA 1 8"). Exit 0 when the script is done,
 * 2 on timeout, 1 on setup errors. Every wait is bounded by TIMEOUT_S.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <libss7.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define PACE_MS 5

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

static void lib_message(struct ss7 *ss7, char *m)
{
	(void)ss7;
	fprintf(stderr, "libss7: %s", m);
}

static int lib_hangup(struct ss7 *ss7, int cic, unsigned int dpc, int cause, int do_hangup)
{
	(void)ss7; (void)dpc; (void)do_hangup;
	fprintf(stderr, "hangup request cic=%d cause=%d\n", cic, cause);
	return SS7_CIC_IDLE;
}

static void lib_notinservice(struct ss7 *ss7, int cic, unsigned int dpc)
{
	(void)ss7;
	fprintf(stderr, "not in service cic=%d dpc=%u\n", cic, dpc);
}

static void lib_call_null(struct ss7 *ss7, struct isup_call *c, int lock)
{
	(void)ss7; (void)c; (void)lock;
}

enum step { WAIT_UP, WAIT_GRA, WAIT_CGBA, WAIT_CGUA, WAIT_ACM, WAIT_ANM, HOLDING, WAIT_RLC, OUT_DONE };

int main(int argc, char **argv)
{
	if (argc != 8) {
		fprintf(stderr, "usage: %s itu|ansi LOCAL_PORT PEER_PORT OWN_PC ADJ_PC CALLED TIMEOUT_S\n", argv[0]);
		return 1;
	}
	int ansi = strcmp(argv[1], "ansi") == 0;
	int lport = atoi(argv[2]), pport = atoi(argv[3]);
	unsigned int own = (unsigned int)strtoul(argv[4], NULL, 0), adj = (unsigned int)strtoul(argv[5], NULL, 0);
	const char *called = argv[6];
	long long deadline = now_ms() + 1000LL * atoi(argv[7]);

	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	a.sin_port = htons((unsigned short)lport);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		perror("bind");
		return 1;
	}
	a.sin_port = htons((unsigned short)pport);
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		perror("connect");
		return 1;
	}

	ss7_set_message(lib_message);
	ss7_set_error(lib_message);
	ss7_set_hangup(lib_hangup);
	ss7_set_notinservice(lib_notinservice);
	ss7_set_call_null(lib_call_null);
	struct ss7 *ss7 = ss7_new(ansi ? SS7_ANSI : SS7_ITU);
	if (!ss7) {
		fprintf(stderr, "ss7_new failed\n");
		return 1;
	}
	if (getenv("EXCHANGE_DEBUG"))
		ss7_set_debug(ss7, SS7_DEBUG_MTP2 | SS7_DEBUG_MTP3 | SS7_DEBUG_ISUP);
	ss7_set_network_ind(ss7, SS7_NI_NAT);
	ss7_set_pc(ss7, own);
	if (ss7_add_link(ss7, SS7_TRANSPORT_DAHDIDCHAN, fd, 0, adj) < 0) {
		fprintf(stderr, "ss7_add_link failed\n");
		return 1;
	}
	if (ss7_start(ss7) < 0) {
		fprintf(stderr, "ss7_start failed\n");
		return 1;
	}
	say("START %s pc=%u adj=%u", ansi ? "ansi" : "itu", own, adj);

	enum step step = WAIT_UP;
	int in_done = 0;
	struct isup_call *out = NULL, *in = NULL;
	long long last_write = 0, hold_until = 0, anm_at = 0, grs_at = 0;
	unsigned char state[255];

	while (now_ms() < deadline) {
		int timeout = PACE_MS;
		struct timeval *next = ss7_schedule_next(ss7);
		if (next) {
			struct timeval tv;
			gettimeofday(&tv, NULL);
			long long ms = (next->tv_sec - tv.tv_sec) * 1000LL + (next->tv_usec - tv.tv_usec) / 1000;
			if (ms < timeout)
				timeout = ms < 0 ? 0 : (int)ms;
		}
		struct pollfd p = { .fd = fd, .events = POLLIN | POLLPRI };
		int r = poll(&p, 1, timeout);
		if (r > 0 && (p.revents & (POLLIN | POLLPRI)))
			ss7_read(ss7, fd);
		if (now_ms() - last_write >= PACE_MS && (ss7_pollflags(ss7, fd) & POLLOUT)) {
			last_write = now_ms();
			ss7_write(ss7, fd);
		}
		ss7_schedule_run(ss7);

		ss7_event *e;
		while ((e = ss7_check_event(ss7))) {
			switch (e->e) {
			case SS7_EVENT_UP:
				say("EVENT UP");
				if (step == WAIT_UP && !grs_at)
					grs_at = now_ms() + 2000;
				break;
			case SS7_EVENT_DOWN:
				say("EVENT DOWN");
				break;
			case ISUP_EVENT_GRS:
				say("EVENT GRS %d %d", e->grs.startcic, e->grs.endcic);
				memset(state, 0, sizeof(state));
				isup_gra(ss7, e->grs.call, e->grs.endcic, state);
				isup_free_call(ss7, e->grs.call);
				if (step == WAIT_UP)
					grs_at = now_ms() + 100;
				break;
			case ISUP_EVENT_GRA:
				say("EVENT GRA %d %d", e->gra.startcic, e->gra.endcic);
				isup_free_call(ss7, e->gra.call);
				if (step == WAIT_GRA) {
					struct isup_call *c = isup_new_call(ss7, 5, adj, 0);
					memset(state, 1, sizeof(state));
					isup_cgb(ss7, c, 8, state, 0);
					step = WAIT_CGBA;
				}
				break;
			case ISUP_EVENT_CGB:
				say("EVENT CGB %d %d", e->cgb.startcic, e->cgb.endcic);
				isup_cgba(ss7, e->cgb.call, e->cgb.endcic, e->cgb.status);
				isup_free_call(ss7, e->cgb.call);
				break;
			case ISUP_EVENT_CGU:
				say("EVENT CGU %d %d", e->cgu.startcic, e->cgu.endcic);
				isup_cgua(ss7, e->cgu.call, e->cgu.endcic, e->cgu.status);
				isup_free_call(ss7, e->cgu.call);
				break;
			case ISUP_EVENT_CGBA:
				say("EVENT CGBA %d %d", e->cgba.startcic, e->cgba.endcic);
				isup_free_call(ss7, e->cgba.call);
				if (step == WAIT_CGBA) {
					struct isup_call *c = isup_new_call(ss7, 5, adj, 0);
					memset(state, 1, sizeof(state));
					isup_cgu(ss7, c, 8, state, 0);
					step = WAIT_CGUA;
				}
				break;
			case ISUP_EVENT_CGUA:
				say("EVENT CGUA %d %d", e->cgua.startcic, e->cgua.endcic);
				isup_free_call(ss7, e->cgua.call);
				if (step == WAIT_CGUA) {
					out = isup_new_call(ss7, 1, adj, 1);
					isup_set_called(out, called, SS7_NAI_NATIONAL, ss7);
					isup_set_calling(out, "3125550199", SS7_NAI_NATIONAL, SS7_PRESENTATION_ALLOWED,
							 SS7_SCREENING_NETWORK_PROVIDED);
					isup_set_calling_party_category(out, 10);
					isup_iam(ss7, out);
					say("SENT IAM 1 %s", called);
					step = WAIT_ACM;
				}
				break;
			case ISUP_EVENT_ACM:
				say("EVENT ACM %d", e->acm.cic);
				if (step == WAIT_ACM)
					step = WAIT_ANM;
				break;
			case ISUP_EVENT_CPG:
				say("EVENT CPG %d", e->cpg.cic);
				break;
			case ISUP_EVENT_ANM:
			case ISUP_EVENT_CON:
				say("EVENT %s %d", e->e == ISUP_EVENT_ANM ? "ANM" : "CON", e->anm.cic);
				if (step == WAIT_ANM || step == WAIT_ACM) {
					step = HOLDING;
					hold_until = now_ms() + 1000;
				}
				break;
			case ISUP_EVENT_IAM:
				say("EVENT IAM %d %s %s", e->iam.cic, e->iam.called_party_num, e->iam.calling_party_num);
				in = e->iam.call;
				isup_acm(ss7, in);
				anm_at = now_ms() + 300;
				break;
			case ISUP_EVENT_REL:
				say("EVENT REL %d %d", e->rel.cic, e->rel.cause);
				isup_rlc(ss7, e->rel.call);
				if (e->rel.call == in) {
					in = NULL;
					in_done = 1;
					anm_at = 0;
				}
				if (e->rel.call == out) {
					out = NULL;
					step = OUT_DONE;
				}
				break;
			case ISUP_EVENT_RLC:
				say("EVENT RLC %d", e->rlc.cic);
				isup_free_call(ss7, e->rlc.call);
				if (step == WAIT_RLC) {
					out = NULL;
					step = OUT_DONE;
				}
				break;
			case ISUP_EVENT_RSC:
				say("EVENT RSC %d", e->rsc.cic);
				isup_rlc(ss7, e->rsc.call);
				isup_free_call(ss7, e->rsc.call);
				break;
			case ISUP_EVENT_UCIC:
				say("EVENT UCIC %d", e->ucic.cic);
				break;
			default:
				say("EVENT OTHER %d", e->e);
				break;
			}
		}
		if (step == WAIT_UP && grs_at && now_ms() >= grs_at) {
			struct isup_call *c = isup_new_call(ss7, 1, adj, 0);
			isup_grs(ss7, c, 8);
			say("SENT GRS 1 8");
			step = WAIT_GRA;
		}
		if (step == HOLDING && now_ms() >= hold_until) {
			isup_rel(ss7, out, 16);
			say("SENT REL 1 16");
			step = WAIT_RLC;
		}
		if (in && anm_at && now_ms() >= anm_at) {
			isup_anm(ss7, in);
			say("SENT ANM %s", "in");
			anm_at = 0;
		}
		if (step == OUT_DONE && in_done) {
			/* Let the last acknowledgements go out. */
			long long until = now_ms() + 200;
			while (now_ms() < until) {
				struct pollfd q = { .fd = fd, .events = POLLIN };
				if (poll(&q, 1, PACE_MS) > 0)
					ss7_read(ss7, fd);
				ss7_write(ss7, fd);
				ss7_schedule_run(ss7);
				while (ss7_check_event(ss7))
					;
			}
			say("DONE");
			return 0;
		}
	}
	say("TIMEOUT step=%d in_done=%d", (int)step, in_done);
	return 2;
}
