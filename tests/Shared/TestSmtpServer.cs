using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text;
using MimeKit;
using SmtpServer;
using SmtpServer.Authentication;
using SmtpServer.Net;
using SmtpServer.Protocol;
using SmtpServer.Storage;

namespace Corrections.Testing;

/// <summary>
/// A real SMTP server on 127.0.0.1, the one relay of the tests and the benchmarks. It keeps what it accepts (or, for a
/// benchmark, only counts it and notes when each report's mail came), and plays the relay's faults: its answer to each
/// message can be scripted (451 once, then 250), it can hold messages unanswered, refuse logins, be down (reserved, not
/// yet started: connections are refused) or hang (accept connections and never say a word), and recover at the same port.
/// </summary>
public sealed partial class TestSmtpServer : IAsyncDisposable
{
    private readonly bool keepMessages;
    private readonly ConcurrentQueue<(int Code, string? Text)> scriptedReplies = new();
    private readonly ConcurrentQueue<MimeMessage> received = new();
    private readonly ConcurrentQueue<DateTimeOffset> deliveryTimes = new();
    private CancellationTokenSource? running;
    private Task? serving;
    private int sessions;
    private int openSessions;
    private int mostOpenSessions;
    private int deliveries;
    private int accepted;
    private long firstAcceptedAt;
    private long lastAcceptedAt;
    private int loginAttempts;
    private int held;
    private (string User, string Password)? login;
    private volatile bool refuseLogins;
    private volatile TaskCompletionSource? gate;
    private long delayTicks;

    private TestSmtpServer(int port, bool keepMessages)
    {
        Port = port;
        this.keepMessages = keepMessages;
    }

    public int Port { get; }

    /// <summary>The messages accepted, parsed; empty on a server that keeps none.</summary>
    public IReadOnlyCollection<MimeMessage> Messages => received.ToArray();

    /// <summary>The report each received message is about, in the order received: a report mailed twice is here twice.</summary>
    public IReadOnlyList<Guid> MailedReports => received.Select(ReportOf).ToArray();

    /// <summary>Reads the report id from the Message-ID, which starts with <c>report-{id:N}</c>.</summary>
    public static Guid ReportOf(MimeMessage message) =>
        message.MessageId is { Length: >= 39 } id && id.StartsWith("report-", StringComparison.Ordinal)
            ? Guid.ParseExact(id.AsSpan(7, 32), "N")
            : throw new FormatException($"'{message.MessageId}' is not the Message-ID of a report's mail");

    /// <summary>SMTP sessions: connections answered, not those taken in silence.</summary>
    public int Sessions => Volatile.Read(ref sessions);

    /// <summary>The most SMTP sessions that were open at the same time.</summary>
    public int MostOpenSessions => Volatile.Read(ref mostOpenSessions);

    /// <summary>Messages whose data the server has read, whatever it answered.</summary>
    public int Deliveries => Volatile.Read(ref deliveries);

    /// <summary>Messages answered 250, whether the server keeps them or not.</summary>
    public int Accepted => Volatile.Read(ref accepted);

    /// <summary>From the first message accepted to the last.</summary>
    public TimeSpan Span => Accepted < 2 ? TimeSpan.Zero : Stopwatch.GetElapsedTime(Interlocked.Read(ref firstAcceptedAt), Interlocked.Read(ref lastAcceptedAt));

    /// <summary>When the first mail about each report was accepted (a <see cref="Stopwatch"/> timestamp), by the report id in its Message-ID.</summary>
    public ConcurrentDictionary<Guid, long> ReportMailAt { get; } = new();

    /// <summary>When each delivery arrived, by the real clock.</summary>
    public IReadOnlyList<DateTimeOffset> DeliveryTimes => deliveryTimes.ToArray();

    public int LoginAttempts => Volatile.Read(ref loginAttempts);

    /// <summary>Messages read in full and waiting, unanswered, for <see cref="ReleaseMessages"/>.</summary>
    public int MessagesHeld => Volatile.Read(ref held);

    /// <summary>While set, every login is answered 535.</summary>
    public bool RefuseLogins
    {
        get => refuseLogins;
        set => refuseLogins = value;
    }

    /// <summary>How long the server takes before it answers each message.</summary>
    public TimeSpan DelayEachMessage
    {
        get => TimeSpan.FromTicks(Interlocked.Read(ref delayTicks));
        set => Interlocked.Exchange(ref delayTicks, value.Ticks);
    }

    /// <summary>From now on, senders must log in (AUTH PLAIN or LOGIN, over plain text); call before <see cref="Start"/>.</summary>
    public void RequireLogin(string user, string password) => login = (user, password);

    /// <summary>Messages are read but not answered until <see cref="ReleaseMessages"/>: a relay stalled in the middle of a send.</summary>
    public void HoldMessages() => gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    public void ReleaseMessages() => Interlocked.Exchange(ref gate, null)?.TrySetResult();

    /// <summary>
    /// Reserves a free port; the server listens only once <see cref="Start"/> is called. Without <paramref name="keepMessages"/>
    /// it only counts what it accepts, as a benchmark needs: parsing and keeping thousands of mails would measure the server.
    /// </summary>
    public static TestSmtpServer Reserve(bool keepMessages = true) => new(TestPorts.Next(), keepMessages);

    public static TestSmtpServer StartNew(bool keepMessages = true)
    {
        var server = Reserve(keepMessages);
        server.Start();
        return server;
    }

    /// <summary>The next messages get these reply codes, in order; after them every message is accepted.</summary>
    public void ReplyNext(params int[] codes)
    {
        foreach (var code in codes)
            scriptedReplies.Enqueue((code, null));
    }

    /// <summary>The next message gets this reply, e.g. <c>550</c> with <c>5.1.1 &lt;reader@example.net&gt;: Recipient address rejected</c>.</summary>
    public void ReplyNext(int code, string text) => scriptedReplies.Enqueue((code, text));

    public void Start()
    {
        var options = new SmtpServerOptionsBuilder()
            .ServerName("localhost")
            .Endpoint(endpoint => endpoint
                .Endpoint(new IPEndPoint(IPAddress.Loopback, Port))
                .AllowUnsecureAuthentication(login is not null)
                .AuthenticationRequired(login is not null))
            .Build();
        var services = new SmtpServer.ComponentModel.ServiceProvider();
        services.Add(new Store(this));
        services.Add((IEndpointListenerFactory)new ListenerFactory(this));
        if (login is not null)
            services.Add(new Authenticator(this));
        var server = new SmtpServer.SmtpServer(options, services);
        server.SessionCreated += (_, _) =>
        {
            Interlocked.Increment(ref sessions);
            var open = Interlocked.Increment(ref openSessions);
            int most;
            while (open > (most = Volatile.Read(ref mostOpenSessions)) && Interlocked.CompareExchange(ref mostOpenSessions, open, most) != most)
            {
            }
        };
        server.SessionCompleted += (_, _) => Interlocked.Decrement(ref openSessions);
        server.SessionFaulted += (_, _) => Interlocked.Decrement(ref openSessions);
        server.SessionCancelled += (_, _) => Interlocked.Decrement(ref openSessions);
        running = new CancellationTokenSource();
        serving = server.StartAsync(running.Token);
    }

    public async Task<IReadOnlyList<MimeMessage>> WaitForMessagesAsync(int count, TimeSpan? timeout = null)
    {
        if (!keepMessages)
            throw new InvalidOperationException("This server keeps no messages: wait with WaitForAcceptedAsync");
        using var deadline = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(15));
        while (received.Count < count)
        {
            if (deadline.IsCancellationRequested)
                throw new TimeoutException($"Expected {count} message(s), the SMTP server received {received.Count}");
            await Task.Delay(20);
        }
        return received.ToArray();
    }

    /// <summary>Waits until <paramref name="count"/> messages are accepted, or the time is up; says which.</summary>
    public async Task<bool> WaitForAcceptedAsync(int count, TimeSpan timeout)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (Accepted < count)
        {
            if (Stopwatch.GetTimestamp() >= deadline)
                return false;
            await Task.Delay(20);
        }
        return true;
    }

    public async ValueTask DisposeAsync()
    {
        ReleaseMessages();
        if (running is null)
            return;
        await running.CancelAsync();
        try
        {
            await serving!;
        }
        catch (OperationCanceledException)
        {
        }
        CloseSilentConnections();
        running.Dispose();
        running = null;
    }

    private async Task<SmtpResponse> ReceiveAsync(ReadOnlySequence<byte> buffer, CancellationToken cancellationToken)
    {
        deliveryTimes.Enqueue(DateTimeOffset.UtcNow);
        Interlocked.Increment(ref deliveries);
        if (gate is { } held)
        {
            Interlocked.Increment(ref this.held);
            try
            {
                await held.Task.WaitAsync(cancellationToken);
            }
            finally
            {
                Interlocked.Decrement(ref this.held);
            }
        }
        if (DelayEachMessage > TimeSpan.Zero)
            await Task.Delay(DelayEachMessage, cancellationToken);
        if (scriptedReplies.TryDequeue(out var reply) && reply.Code != 250)
            return new SmtpResponse((SmtpReplyCode)reply.Code, reply.Text ?? (reply.Code >= 500 ? "5.1.1 Mailbox unavailable" : "4.3.0 Try again later"));
        if (keepMessages)
        {
            await using var stream = new MemoryStream(buffer.ToArray());
            received.Enqueue(await MimeMessage.LoadAsync(stream, cancellationToken));
        }
        var now = Stopwatch.GetTimestamp();
        if (Interlocked.Increment(ref accepted) == 1)
            Interlocked.Exchange(ref firstAcceptedAt, now);
        Interlocked.Exchange(ref lastAcceptedAt, now);
        if (ReportId(buffer) is { } report)
            ReportMailAt.TryAdd(report, now);
        return SmtpResponse.Ok;
    }

    /// <summary>The report of an editors' mail (Message-ID report-{id:N}.…), found in the headers without parsing the message.</summary>
    private static Guid? ReportId(ReadOnlySequence<byte> message)
    {
        const string header = "Message-ID: <report-";
        var head = Encoding.ASCII.GetString(message.Slice(0, Math.Min(message.Length, 8192)).ToArray());
        var at = head.IndexOf(header, StringComparison.OrdinalIgnoreCase);
        if (at < 0 || at + header.Length + 32 > head.Length)
            return null;
        return Guid.TryParseExact(head.AsSpan(at + header.Length, 32), "N", out var id) ? id : null;
    }

    private sealed class Store(TestSmtpServer server) : MessageStore
    {
        public override Task<SmtpResponse> SaveAsync(ISessionContext context, IMessageTransaction transaction, ReadOnlySequence<byte> buffer, CancellationToken cancellationToken) =>
            server.ReceiveAsync(buffer, cancellationToken);
    }

    private sealed class Authenticator(TestSmtpServer server) : IUserAuthenticator
    {
        public Task<bool> AuthenticateAsync(ISessionContext context, string user, string password, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref server.loginAttempts);
            return Task.FromResult(!server.refuseLogins && (user, password) == server.login);
        }
    }
}
