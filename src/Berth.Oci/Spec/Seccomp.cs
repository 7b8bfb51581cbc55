using System.Runtime.InteropServices;

namespace Berth.Oci.Spec;

// The runtime-spec's linux.seccomp object (config-linux.md#seccomp); names are the spec's.

public sealed record SeccompSpec
{
    public required string DefaultAction { get; init; }

    public uint? DefaultErrnoRet { get; init; }

    public IReadOnlyList<string>? Architectures { get; init; }

    public IReadOnlyList<string>? Flags { get; init; }

    public IReadOnlyList<SeccompSyscallSpec>? Syscalls { get; init; }
}

public sealed record SeccompSyscallSpec
{
    public required IReadOnlyList<string> Names { get; init; }

    public required string Action { get; init; }

    public uint? ErrnoRet { get; init; }

    public IReadOnlyList<SeccompArgSpec>? Args { get; init; }
}

public sealed record SeccompArgSpec(uint Index, ulong Value, string Op)
{
    public ulong? ValueTwo { get; init; }
}

/// <summary>
/// Berth's RuntimeDefault seccomp profile. It allows every system call except a short list that
/// no ordinary workload needs and that either reaches kernel-wide state or has been a common
/// path to container escapes. The list is shorter than Docker's allow-list profile on purpose:
/// a deny list keeps new system calls working and leaves capability checks to the kernel.
/// </summary>
public static class SeccompDefaults
{
    /// <summary>EPERM: what the syscall would return without the needed capability.</summary>
    private const uint Eperm = 1;

    /// <summary>Denied by RuntimeDefault, each for a reason:</summary>
    public static readonly IReadOnlyList<string> DeniedSyscalls =
    [
        // loading another kernel or kernel modules
        "kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module",
        // opening files by handle bypasses the mount namespace (the "shocker" escape)
        "open_by_handle_at",
        // the kernel keyring is not namespaced
        "keyctl", "add_key", "request_key",
        // eBPF programs and perf events observe or change the whole host
        "bpf", "perf_event_open",
        // host-wide switches: reboot, swap, process accounting, quotas
        "reboot", "swapon", "swapoff", "acct", "quotactl",
        // legacy or rarely needed calls with a history of kernel bugs
        "lookup_dcookie", "userfaultfd", "uselib", "nfsservctl", "_sysctl", "vm86", "vm86old",
        // raw I/O port access
        "iopl", "ioperm",
    ];

    /// <summary>The profile for this machine's architecture (and its 32-bit companions, so the
    /// filter covers compat system calls too).</summary>
    public static SeccompSpec RuntimeDefault() => new()
    {
        DefaultAction = "SCMP_ACT_ALLOW",
        Architectures = NativeArchitectures(),
        Syscalls = [new SeccompSyscallSpec { Names = DeniedSyscalls, Action = "SCMP_ACT_ERRNO", ErrnoRet = Eperm }],
    };

    private static IReadOnlyList<string>? NativeArchitectures() => RuntimeInformation.OSArchitecture switch
    {
        Architecture.X64 => ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
        Architecture.Arm64 => ["SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"],
        _ => null,
    };
}
