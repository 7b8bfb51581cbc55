using System.CommandLine;
using Berth.Cli;
using Berth.Cli.Commands;
using Berth.Core.Manifests;
using Grpc.Core;

return BerthCli.Run(args);

namespace Berth.Cli
{
    public static class BerthCli
    {
        public static RootCommand CreateRoot() => new("Berth: a Linux pod runtime with real namespaces and cgroups")
        {
            Global.Socket,
            PlanCommand.Create(),
            ServeCommand.Create(),
            PodCommands.Play(),
            PodCommands.Down(),
            PodCommands.Ps(),
            PodCommands.Inspect(),
            PodCommands.Logs(),
            PodCommands.Exec(),
            EventsCommand.Create(),
            ImageCommands.Create(),
            NodeCommands.Node(),
            NodeCommands.Config(),
            AuditCommand.Create(),
            TopCommand.Create(),
            LimitRangeCommands.Create(),
        };

        /// <summary>Parses and runs; maps bad input to exit code 2 and failures to 1, never a stack trace.</summary>
        public static int Run(string[] args)
        {
            var parse = CreateRoot().Parse(args);
            if (parse.Errors.Count > 0)
            {
                foreach (var error in parse.Errors)
                {
                    Console.Error.WriteLine($"error: {error.Message}");
                }

                Console.Error.WriteLine("Run 'berth --help' for usage.");
                return ExitCodes.BadInput;
            }

            try
            {
                return parse.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.InvalidArgument)
            {
                foreach (var line in e.Status.Detail.Split('\n'))
                {
                    Console.Error.WriteLine($"error: {line}");
                }

                return ExitCodes.BadInput;
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.Unavailable && e.Status.DebugException is not null)
            {
                // The client could not reach the socket. An Unavailable the agent sent (a network
                // plugin that failed, say) carries no client-side exception and is said as it is.
                Console.Error.WriteLine($"error: no berth agent is listening on {AgentClient.SocketPath(parse.GetValue(Global.Socket))} (start one with `berth serve`, or point --socket / BERTH_SOCKET at it)");
                return ExitCodes.Failed;
            }
            catch (RpcException e)
            {
                Console.Error.WriteLine($"error: {e.Status.Detail}");
                return ExitCodes.Failed;
            }
            catch (ValidationException e)
            {
                foreach (var error in e.Errors)
                {
                    Console.Error.WriteLine($"error: {error}");
                }

                return ExitCodes.BadInput;
            }
            catch (Exception e) when (e is ArgumentException or FormatException)
            {
                // thrown before anything reached the agent: the command line itself is wrong
                Console.Error.WriteLine($"error: {e.Message}");
                return ExitCodes.BadInput;
            }
            catch (Exception e)
            {
                Console.Error.WriteLine($"error: {e.Message}");
                return ExitCodes.Failed;
            }
        }
    }
}
