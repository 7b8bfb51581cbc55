using System.CommandLine;
using System.Text.Json.Nodes;
using Berth.Api.V1;
using Berth.Cli.Output;
using Berth.Core.Serialization;
using Google.Protobuf;

namespace Berth.Cli.Commands;

/// <summary>play, down, ps, inspect, logs, exec.</summary>
public static class PodCommands
{
    public static Command Play()
    {
        var files = new Argument<string[]>("FILE") { Arity = ArgumentArity.OneOrMore, Description = "Pod manifests" };
        var timeout = new Option<int>("--timeout") { Description = "Seconds to wait for each pod to run or fail", DefaultValueFactory = _ => 120 };
        var wait = new Option<bool>("--wait") { Description = "Wait until each pod runs (or succeeded); this is the default" };
        var command = new Command("play", "Create the pods of manifests and wait until they run or fail") { files, timeout, wait };
        command.SetAction(async (parse, ct) =>
        {
            var request = new PlayRequest { TimeoutSeconds = parse.GetValue(timeout) };
            request.Files.AddRange(Global.ReadManifests(parse.GetValue(files)!));
            var response = await Global.Client(parse).PlayAsync(request, cancellationToken: ct);
            foreach (var warning in response.Warnings)
            {
                Console.Error.WriteLine($"warning: {warning}");
            }

            var failed = false;
            foreach (var pod in response.Pods)
            {
                Console.WriteLine($"pod {pod.Namespace}/{pod.Name} {pod.Phase} ({pod.QosClass}, uid {pod.Uid}{(pod.PodIps.Count > 0 ? $", ip {string.Join(' ', pod.PodIps)}" : "")})");
                foreach (var c in pod.Containers)
                {
                    Console.WriteLine($"  {(c.Init ? "init " : "")}{c.Name}: {ContainerState(c)}");
                }

                if (pod.Phase is not ("Running" or "Succeeded"))
                {
                    failed = true;
                    Console.Error.WriteLine($"error: pod {pod.Namespace}/{pod.Name} is {pod.Phase}{(pod.Message.Length > 0 ? ": " + pod.Message : "")}");
                }
            }

            return failed ? ExitCodes.Failed : ExitCodes.Ok;
        });
        return command;
    }

    public static Command Down()
    {
        var targets = new Argument<string[]>("FILE|POD") { Arity = ArgumentArity.OneOrMore, Description = "Manifests or pod names (name, namespace/name or uid)" };
        var grace = new Option<int?>("--grace-period") { Description = "Seconds between SIGTERM and SIGKILL (default: the pod's terminationGracePeriodSeconds)" };
        var command = new Command("down", "Stop and remove pods") { targets, grace };
        command.SetAction(async (parse, ct) =>
        {
            var request = new DownRequest { GracePeriodSeconds = parse.GetValue(grace) ?? -1 };
            foreach (var target in parse.GetValue(targets)!)
            {
                if (File.Exists(target))
                {
                    request.Files.AddRange(Global.ReadManifests([target]));
                }
                else
                {
                    request.Pods.Add(target);
                }
            }

            var response = await Global.Client(parse).DownAsync(request, cancellationToken: ct);
            foreach (var pod in response.Removed)
            {
                Console.WriteLine($"pod {pod} removed");
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    public static Command Ps()
    {
        var all = new Option<bool>("--all", "-a") { Description = "Also show pods that have completed" };
        var output = new Option<string>("--output", "-o") { Description = "table, wide or json", DefaultValueFactory = _ => "table" };
        output.AcceptOnlyFromAmong("table", "wide", "json");
        var command = new Command("ps", "List pods and their containers") { all, output };
        command.SetAction(async (parse, ct) =>
        {
            var response = await Global.Client(parse).ListPodsAsync(new ListPodsRequest { All = parse.GetValue(all) }, cancellationToken: ct);
            var format = parse.GetValue(output);
            if (format == "json")
            {
                Console.WriteLine(JsonNode.Parse(JsonFormatter.Default.Format(response))!["pods"]?.ToJsonString(BerthJson.Options) ?? "[]");
                return ExitCodes.Ok;
            }

            var wide = format == "wide";
            var table = wide
                ? new TableWriter("NAMESPACE", "POD", "STATUS", "QOS", "IP", "CONTAINER", "STATE", "RESTARTS", "AGE", "ID")
                : new TableWriter("NAMESPACE", "POD", "STATUS", "READY", "RESTARTS", "AGE");
            foreach (var pod in response.Pods)
            {
                var apps = pod.Containers.Where(c => !c.Init).ToList();

                // Like kubectl's STATUS: the pod's reason (FailedValidation), else the phase, unless a
                // container waits (CrashLoopBackOff).
                var status = pod.Containers.FirstOrDefault(c => c.WaitingReason == "CrashLoopBackOff")?.WaitingReason ?? (pod.Reason.Length > 0 ? pod.Reason : pod.Phase);
                if (!wide)
                {
                    table.Add(pod.Namespace, pod.Name, status, $"{apps.Count(c => c.State == "running")}/{apps.Count}", apps.Sum(c => c.RestartCount).ToString(), Global.Age(pod.CreatedUnixMs));
                    continue;
                }

                foreach (var c in pod.Containers)
                {
                    table.Add(pod.Namespace, pod.Name, status, pod.QosClass, pod.PodIps.FirstOrDefault() is { Length: > 0 } ip ? ip : "-", (c.Init ? "init:" : "") + c.Name, ContainerState(c), c.RestartCount.ToString(), Global.Age(pod.CreatedUnixMs), c.Id.Length > 12 ? c.Id[..12] : c.Id);
                }
            }

            table.WriteTo(Console.Out);
            return ExitCodes.Ok;
        });
        return command;
    }

    public static Command Inspect()
    {
        var pod = new Argument<string>("POD") { Description = "name, namespace/name or uid" };
        var output = new Option<string>("--output", "-o") { Description = "json or yaml", DefaultValueFactory = _ => "json" };
        output.AcceptOnlyFromAmong("json", "yaml");
        var command = new Command("inspect", "Show everything about a pod as a stable JSON (or YAML) document") { pod, output };
        command.SetAction(async (parse, ct) =>
        {
            var response = await Global.Client(parse).InspectPodAsync(new InspectPodRequest { Pod = parse.GetValue(pod) }, cancellationToken: ct);
            var doc = JsonNode.Parse(response.Json);
            Console.Write(parse.GetValue(output) == "yaml" ? BerthJson.ToYaml(doc) : doc!.ToJsonString(BerthJson.Options) + "\n");
            return ExitCodes.Ok;
        });
        return command;
    }

    public static Command Logs()
    {
        var pod = new Argument<string>("POD");
        var container = new Option<string?>("--container", "-c") { Description = "Container name (needed when the pod has several)" };
        var follow = new Option<bool>("--follow", "-f") { Description = "Keep printing while the container runs" };
        var previous = new Option<bool>("--previous", "-p") { Description = "The previous instance's log" };
        var command = new Command("logs", "Print a container's log") { pod, container, follow, previous };
        command.SetAction(async (parse, ct) =>
        {
            var request = new LogsRequest { Pod = parse.GetValue(pod), Container = parse.GetValue(container) ?? "", Follow = parse.GetValue(follow), Previous = parse.GetValue(previous) };
            using var call = Global.Client(parse).Logs(request, cancellationToken: ct);
            await using var stdout = Console.OpenStandardOutput();
            while (await call.ResponseStream.MoveNext(ct))
            {
                await stdout.WriteAsync(call.ResponseStream.Current.Data.Memory, ct);
                await stdout.FlushAsync(ct);
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    public static Command Exec()
    {
        var pod = new Argument<string>("POD");
        var argv = new Argument<string[]>("COMMAND") { Arity = ArgumentArity.OneOrMore, Description = "The command and its arguments (after --)" };
        var container = new Option<string?>("--container", "-c") { Description = "Container name (needed when the pod has several)" };
        var timeout = new Option<int>("--timeout") { Description = "Seconds before the command is killed (without -i and -t)", DefaultValueFactory = _ => 600 };
        var stdin = new Option<bool>("--stdin", "-i") { Description = "Pass this terminal's input to the command" };
        var tty = new Option<bool>("--tty", "-t") { Description = "Give the command a terminal (this one's size, raw input)" };
        var command = new Command("exec", "Run a command in a running container; its stdout, stderr and exit code are passed through") { pod, argv, container, timeout, stdin, tty };
        command.SetAction(async (parse, ct) =>
        {
            if (parse.GetValue(stdin) || parse.GetValue(tty))
            {
                var streamRequest = new ExecStreamRequest { Pod = parse.GetValue(pod), Container = parse.GetValue(container) ?? "", Stdin = parse.GetValue(stdin), Tty = parse.GetValue(tty) };
                streamRequest.Command.AddRange(parse.GetValue(argv)!);
                var url = (await Global.Client(parse).ExecStreamAsync(streamRequest, cancellationToken: ct)).Url;
                return await InteractiveExec.RunAsync(url, streamRequest.Stdin, streamRequest.Tty, ct);
            }

            var request = new ExecRequest { Pod = parse.GetValue(pod), Container = parse.GetValue(container) ?? "", TimeoutSeconds = parse.GetValue(timeout) };
            request.Command.AddRange(parse.GetValue(argv)!);
            var response = await Global.Client(parse).ExecAsync(request, cancellationToken: ct);
            await using (var stdout = Console.OpenStandardOutput())
            {
                await stdout.WriteAsync(response.Stdout.Memory, ct);
            }

            await using (var stderr = Console.OpenStandardError())
            {
                await stderr.WriteAsync(response.Stderr.Memory, ct);
            }

            return response.ExitCode;
        });
        return command;
    }

    private static string ContainerState(ContainerSummary c) => c.State switch
    {
        "exited" => $"exited ({c.ExitCode}{(c.Reason.Length > 0 ? ", " + c.Reason : "")})",
        "waiting" when c.WaitingReason.Length > 0 => c.WaitingReason + (c.Reason.Length > 0 ? $" (last: {c.ExitCode}, {c.Reason})" : ""),
        _ => c.State,
    };
}
