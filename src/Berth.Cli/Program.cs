using System.CommandLine;
using Berth.Cli;
using Berth.Cli.Commands;
using Berth.Core.Manifests;

return BerthCli.Run(args);

namespace Berth.Cli
{
    public static class BerthCli
    {
        public static RootCommand CreateRoot() => new("Berth: a Linux pod runtime with real namespaces and cgroups")
        {
            PlanCommand.Create(),
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
            catch (ValidationException e)
            {
                foreach (var error in e.Errors)
                {
                    Console.Error.WriteLine($"error: {error}");
                }

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
