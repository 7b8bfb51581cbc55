using System.CommandLine;
using Berth.Cli.Output;
using Berth.Core.Manifests;
using Berth.Core.Planning;
using Berth.Core.Serialization;
using Berth.Linux;
using Berth.Oci;

namespace Berth.Cli.Commands;

/// <summary><c>berth plan</c>: what Berth would do with pods, touching nothing.</summary>
public static class PlanCommand
{
    public sealed record PlanDocument(IReadOnlyList<PodPlan> Pods);

    public static Command Create()
    {
        var files = new Argument<string[]>("FILE") { Arity = ArgumentArity.OneOrMore, Description = "Pod manifests (YAML or JSON, several documents each)" };
        var output = CommonOptions.Output();
        var cgroupVersion = new Option<int?>("--cgroup-version") { Description = "Plan for cgroup v1 or v2 (default: this host's)" };
        cgroupVersion.AcceptOnlyFromAmong("1", "2");
        var cgroupDriver = new Option<string>("--cgroup-driver") { Description = "How cgroups are named", DefaultValueFactory = _ => "cgroupfs" };
        cgroupDriver.AcceptOnlyFromAmong("cgroupfs", "systemd");
        var cgroupRoot = new Option<string>("--cgroup-root") { Description = "Parent of the kubepods cgroup", DefaultValueFactory = _ => "/" };
        var nodeMemory = new Option<string?>("--node-memory") { Description = "Node memory for oom_score_adj, in bytes or as a quantity such as 8Gi (default: this host's)" };
        var podPidsLimit = new Option<long?>("--pod-pids-limit") { Description = "pids.max for every pod cgroup (default: unlimited)" };
        var runcVersion = new Option<string?>("--runc-version")
        {
            Description = "Plan cpu.weight (cgroup v2) in the formula of this runc version, e.g. 1.3.2 (default: the runc on PATH's; none found is an old, linear one)",
        };
        runcVersion.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string?>() is { } text && !Version.TryParse(text, out _))
            {
                result.AddError($"--runc-version: Invalid value: \"{text}\": must be a version such as 1.3.2");
            }
        });

        var command = new Command("plan", "Show, without touching the node, the QoS class, cgroups, limits and namespaces Berth would give each pod")
        {
            files, output, cgroupVersion, cgroupDriver, cgroupRoot, nodeMemory, podPidsLimit, runcVersion,
        };
        command.SetAction(async (parse, ct) =>
        {
            var node = new NodeFacts(
                CgroupVersion: parse.GetValue(cgroupVersion) ?? HostFacts.CgroupVersion(),
                CgroupDriver: parse.GetValue(cgroupDriver) == "systemd" ? CgroupDriver.Systemd : CgroupDriver.Cgroupfs,
                CgroupRoot: parse.GetValue(cgroupRoot)!,
                MemoryCapacity: ParseMemory(parse.GetValue(nodeMemory)),
                PodPidsLimit: parse.GetValue(podPidsLimit),
                WeightFormula: CgroupMath.WeightFormulaOf(parse.GetValue(runcVersion) is { } text ? Version.Parse(text) : await HostRuncVersionAsync(ct)));
            var manifests = ManifestReader.ReadFiles(parse.GetValue(files)!);
            CliOutput.Warn(manifests.Warnings);
            var document = new PlanDocument([.. manifests.Pods.Select(p => PodPlanner.Plan(p, node))]);
            CliOutput.Write(Console.Out, document, CommonOptions.Format(parse, output), WriteTable);
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>The version of the runc on PATH, whose formula the agent would use; null (linear)
    /// when there is none.</summary>
    private static async Task<Version?> HostRuncVersionAsync(CancellationToken ct)
    {
        try
        {
            return await RuncVersion.ReadAsync(ExecutablePath.Resolve("runc"), ct);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
    }

    private static long ParseMemory(string? text)
    {
        if (text is null)
        {
            return HostFacts.MemoryCapacity();
        }

        if (!Quantity.TryParse(text, out var quantity, out var error) || quantity.CeilValue <= 0)
        {
            throw new ValidationException([new FieldError("--node-memory", "", $"Invalid value: \"{text}\": {(error.Length > 0 ? error : "must be greater than 0")}")]);
        }

        return quantity.CeilValue;
    }

    private static void WriteTable(TextWriter writer, PlanDocument document)
    {
        foreach (var pod in document.Pods)
        {
            var ns = pod.Namespaces;
            writer.WriteLine($"POD {pod.Namespace}/{pod.Name}   uid {pod.Uid}   QoS {pod.QosClass}");
            writer.WriteLine($"  cgroup      {pod.CgroupParent}");
            writer.WriteLine($"  limits      cpu.shares={pod.CpuShares} cpu.weight={pod.CpuWeight} cfs_quota={Show(pod.CpuQuota)} cfs_period={Show(pod.CpuPeriod)} memory={Show(pod.MemoryLimit)} pids={Show(pod.PidsLimit)}");
            writer.WriteLine($"  namespaces  network={Mode(ns.Network)} ipc={Mode(ns.Ipc)} uts={Mode(ns.Uts)} pid={Mode(ns.Pid)} cgroup={Mode(ns.Cgroup)}");
            var table = new TableWriter("CONTAINER", "INIT", "PRIVILEGED", "CPU SHARES", "CPU QUOTA", "CPU PERIOD", "MEMORY", "OOM SCORE ADJ");
            foreach (var c in pod.Containers)
            {
                table.Add(c.Name, c.Init ? "yes" : "no", c.Privileged ? "yes" : "no", c.CpuShares.ToString(), Show(c.CpuQuota), Show(c.CpuPeriod), Show(c.MemoryLimit), c.OomScoreAdj.ToString());
            }

            table.WriteTo(writer, "  ");
            writer.WriteLine();
        }
    }

    private static string Show(long? value) => value?.ToString() ?? "-";

    private static string Mode(NamespaceMode mode) => BerthJson.Serialize(mode).Trim('"');
}
