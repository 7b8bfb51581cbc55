using System.Globalization;
using Berth.Bench;

// Side-by-side pod start/stop through one CRI client: Berth and containerd in the same run.
var cycles = ArgValue("--cycles", 20);
var pods = ArgValue("--pods", 50);
var berthBinary = args.SkipWhile(a => a != "--berth").Skip(1).FirstOrDefault() ?? "out/berth";
const string Image = "registry.k8s.io/e2e-test-images/busybox:1.29-2";

var work = Directory.CreateTempSubdirectory("berth-bench-").FullName;
Console.WriteLine($"berth-bench: {cycles} cycles per runtime, RSS with {pods} pods; work dir {work}");
var results = new Dictionary<string, Dictionary<string, List<double>>>();
long berthIdle = 0, berthLoaded = 0, containerdIdle = 0, containerdLoaded = 0;
try
{
    await using (var containerd = await Servers.StartContainerdAsync(work))
    {
        results["containerd"] = await Workload.CyclesAsync(containerd, Image, cycles, "/bench-containerd");
        (containerdIdle, containerdLoaded) = await Workload.RssAsync(containerd, Image, pods, "/bench-containerd");
    }

    await using (var berth = await Servers.StartBerthAsync(berthBinary, work))
    {
        results["berth"] = await Workload.CyclesAsync(berth, Image, cycles, "/berth-bench/bench");
        (berthIdle, berthLoaded) = await Workload.RssAsync(berth, Image, pods, "/berth-bench/bench");
    }
}
finally
{
    Workload.RemoveCgroups(["/bench-containerd", "/berth-bench"]);
    try
    {
        Directory.Delete(work, recursive: true);
    }
    catch (IOException e)
    {
        Console.Error.WriteLine($"note: could not remove {work}: {e.Message}");
    }
}

Console.WriteLine();
Console.WriteLine($"{"step (ms)",-22}{"berth min/med/max",-26}{"containerd min/med/max",-28}berth/containerd (median)");
foreach (var step in Workload.Steps)
{
    var b = results["berth"][step];
    var c = results["containerd"][step];
    Console.WriteLine($"{step,-22}{Stats(b),-26}{Stats(c),-28}{Median(b) / Median(c):0.00}");
}

Console.WriteLine();
Console.WriteLine($"agent RSS idle:          berth {berthIdle / 1024.0:0.0} MiB, containerd {containerdIdle / 1024.0:0.0} MiB");
Console.WriteLine($"agent RSS with {pods} pods:  berth {berthLoaded / 1024.0:0.0} MiB, containerd {containerdLoaded / 1024.0:0.0} MiB (server process only; monitors/shims not counted)");
var ratio = Median(results["berth"]["pod-start"]) / Median(results["containerd"]["pod-start"]);
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"pod-start median ratio berth/containerd = {ratio:0.00}"));
return 0;

int ArgValue(string name, int fallback) =>
    args.SkipWhile(a => a != name).Skip(1).FirstOrDefault() is { } v && int.TryParse(v, out var n) && n > 0 ? n : fallback;

static double Median(List<double> values)
{
    var sorted = values.Order().ToList();
    return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
}

static string Stats(List<double> values) => string.Create(CultureInfo.InvariantCulture, $"{values.Min():0.0}/{Median(values):0.0}/{values.Max():0.0}");
