// Catches a page's rendering error so the header stays usable and the error is shown instead of a blank screen
// (a failed lazy chunk after a redeploy, say).
import { Component, type ReactNode } from "react";
import { ErrorBox } from "./ui.js";

export class ErrorBoundary extends Component<{ children: ReactNode }, { error: unknown }> {
  override state: { error: unknown } = { error: undefined };

  static getDerivedStateFromError(error: unknown) {
    return { error };
  }

  override render() {
    if (this.state.error !== undefined)
      return (
        <main className="page">
          <ErrorBox error={this.state.error} />
        </main>
      );
    return this.props.children;
  }
}
