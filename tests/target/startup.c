/*
 * startup.c - reset code of the target runner for Cortex-M boards under
 * QEMU with semihosting (see tests/target/README).
 *
 * The vector table (initial stack pointer, reset handler, fault handlers)
 * is placed at address 0 by the linker script.  The reset handler copies
 * .data from its load address, zeroes .bss, enables the FPU when the code
 * uses it, opens the semihosting console (initialise_monitor_handles(),
 * before any I/O), runs the static constructors, then exit(main()).  exit()
 * reaches QEMU through semihosting, whose exit status becomes QEMU's.
 *
 * Linked with --specs=rdimon.specs -nostartfiles, so crt0/crti are absent:
 * the empty _init/_fini below stand in for crti's.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* From the linker script (tests/target/sections.ld). */
extern uint32_t __data_load__[], __data_start__[], __data_end__[];
extern uint32_t __bss_start__[], __bss_end__[];
extern uint32_t __stack_top__[];

/* From newlib / librdimon. */
extern void initialise_monitor_handles(void);
extern void __libc_init_array(void);

extern int main(void);

void _init(void);
void _fini(void);
void Reset_Handler(void);
void Fault_Handler(void);
void Default_Handler(void);
void fault_report(const uint32_t *frame, uint32_t exc_return);

void _init(void) {}
void _fini(void) {}

typedef void (*handler_t)(void);

/* The core's exceptions only: the runner enables no interrupt. */
static const struct {
    void *initial_sp;
    handler_t handler[15];
} vectors __attribute__((section(".vectors"), used)) = {
    __stack_top__,
    {
        Reset_Handler,   /* 1  Reset */
        Fault_Handler,   /* 2  NMI */
        Fault_Handler,   /* 3  HardFault */
        Fault_Handler,   /* 4  MemManage (v7-M) */
        Fault_Handler,   /* 5  BusFault (v7-M) */
        Fault_Handler,   /* 6  UsageFault (v7-M) */
        0, 0, 0, 0,      /* 7-10 reserved */
        Default_Handler, /* 11 SVCall */
        Default_Handler, /* 12 DebugMonitor */
        0,               /* 13 reserved */
        Default_Handler, /* 14 PendSV */
        Default_Handler, /* 15 SysTick */
    },
};

void Reset_Handler(void)
{
    size_t data = (size_t)((uintptr_t)__data_end__ - (uintptr_t)__data_start__);
    size_t bss = (size_t)((uintptr_t)__bss_end__ - (uintptr_t)__bss_start__);

    if (data != 0 && (uintptr_t)__data_load__ != (uintptr_t)__data_start__)
        memcpy(__data_start__, __data_load__, data);
    memset(__bss_start__, 0, bss);
#if defined(__ARM_FP) && !defined(__SOFTFP__) && defined(__thumb2__)
    /* CPACR: full access to CP10 and CP11 (the FPU) before any FP code. */
    *(volatile uint32_t *)0xE000ED88u |= 0xFu << 20;
    __asm__ volatile("dsb\n\tisb" ::: "memory");
#endif
    initialise_monitor_handles();
    __libc_init_array();
    exit(main());
}

/* ---- faults: say what happened, then stop QEMU with status 3 ------------ */

/* Semihosting SYS_WRITE0: a NUL-terminated string to the host console. */
static void semihost_write0(const char *s)
{
    register uintptr_t r0 __asm__("r0") = 0x04;
    register const char *r1 __asm__("r1") = s;
#if defined(__thumb__)
    __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
#else
    __asm__ volatile("svc 0x123456" : "+r"(r0) : "r"(r1) : "memory");
#endif
}

static char *put_hex(char *out, uint32_t v)
{
    int shift;
    *out++ = '0';
    *out++ = 'x';
    for (shift = 28; shift >= 0; shift -= 4)
        *out++ = "0123456789abcdef"[(v >> shift) & 0xFu];
    return out;
}

static char *put_str(char *out, const char *s)
{
    while (*s != '\0')
        *out++ = *s++;
    return out;
}

/* frame: the exception frame the core stacked (r0-r3, r12, lr, pc, xpsr). */
void fault_report(const uint32_t *frame, uint32_t exc_return)
{
    static char line[160];
    char *p = line;
    uint32_t ipsr = 0;

#if defined(__ARM_ARCH_PROFILE) && __ARM_ARCH_PROFILE == 'M'
    __asm__ volatile("mrs %0, ipsr" : "=r"(ipsr));
#endif
    p = put_str(p, "\nFAIL: fault exception ");
    p = put_hex(p, ipsr & 0x1FFu);
    p = put_str(p, " (2 NMI, 3 HardFault, 4 MemManage, 5 BusFault, 6 UsageFault) pc=");
    p = put_hex(p, frame[6]);
    p = put_str(p, " lr=");
    p = put_hex(p, frame[5]);
#if defined(__ARM_ARCH_7M__) || defined(__ARM_ARCH_7EM__)
    p = put_str(p, " cfsr=");
    p = put_hex(p, *(volatile const uint32_t *)0xE000ED28u);
    p = put_str(p, " hfsr=");
    p = put_hex(p, *(volatile const uint32_t *)0xE000ED2Cu);
#endif
    (void)exc_return;
    p = put_str(p, "\n");
    *p = '\0';
    semihost_write0(line);
    _exit(3);
}

#if defined(__thumb__) && defined(__ARM_ARCH_PROFILE) && __ARM_ARCH_PROFILE == 'M'
/* Pass the stacked frame (MSP or PSP, by EXC_RETURN bit 2) to fault_report. */
__attribute__((naked)) void Fault_Handler(void)
{
    __asm__ volatile(
        "mov   r1, lr\n\t"
        "mrs   r0, msp\n\t"
        "movs  r2, #4\n\t"
        "tst   r1, r2\n\t"
        "beq   1f\n\t"
        "mrs   r0, psp\n"
        "1:\n\t"
        "ldr   r2, =fault_report\n\t"
        "bx    r2\n\t"
        ".ltorg");
}
#else
/* Not an M-profile build (link check only): no exception frame to read. */
void Fault_Handler(void)
{
    static const uint32_t none[8];
    fault_report(none, 0);
}
#endif

void Default_Handler(void)
{
    semihost_write0("\nFAIL: unexpected exception\n");
    _exit(3);
}
