namespace Corrections.Bench;

public static class BenchProgram
{
    private const string Usage = """
        Benchmarks of the Corrections service (see bench/README.md). Run with -c Release:
          submissions [--connections 32] [--duration 20] [--warmup 20] [--rounds 1] [--bot-trap yes] [--passages N] [--bare no] [--textbook no] [--set Key=Value ...]
          mail        [--reports 3000] [--parallel 1,4] [--set Key=Value ...]
          end-to-end  [--rate 200] [--duration 30] [--set Key=Value ...]
          flood       [--rate 5] [--duration 20] [--connections 16] [--limit 600]
          admin       [--reports 1000000] [--requests 50] [--depth 1000] [--connections 32] [--duration 10] [--warmup 5] [--set Key=Value ...]
          all         every benchmark above with its defaults
        --set configures the service under test, e.g. --set Database:Provider=PostgreSql.
        """;

    public static async Task<int> Main(string[] arguments)
    {
        var args = new BenchArgs(arguments);
        var output = Console.Out;
        switch (args.Command)
        {
            case "bare":
                await BareEndpoint.Build(args.Text("url", "http://127.0.0.1:5090")).RunAsync();
                return 0;
            case "textbook":
                await (await TextbookEndpoint.BuildAsync(args.Text("url", "http://127.0.0.1:5091"), args.Text("database", "textbook.db"))).RunAsync();
                return 0;
            case "submissions":
                await SubmissionsBenchmark.RunAsync(args, output);
                return 0;
            case "mail":
                await MailBenchmark.RunAsync(args, output);
                return 0;
            case "end-to-end":
                await EndToEndBenchmark.RunAsync(args, output);
                return 0;
            case "flood":
                await FloodBenchmark.RunAsync(args, output);
                return 0;
            case "admin":
                await AdminBenchmark.RunAsync(args, output);
                return 0;
            case "all":
                await SubmissionsBenchmark.RunAsync(args, output);
                await MailBenchmark.RunAsync(args, output);
                await EndToEndBenchmark.RunAsync(args, output);
                await FloodBenchmark.RunAsync(args, output);
                return 0;
            default:
                await Console.Error.WriteLineAsync(Usage);
                return args.Command == "help" ? 0 : 2;
        }
    }
}
