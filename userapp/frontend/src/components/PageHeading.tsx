// Each page's <h1>. It takes the focus when the page appears, so a screen reader announces the new page
// after an in-place navigation (there is no full page load to do it).
import { useEffect, useRef, type ReactNode } from "react";

export function PageHeading({ children }: { children: ReactNode }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    ref.current?.focus();
  }, []);
  return (
    <h1 ref={ref} tabIndex={-1}>
      {children}
    </h1>
  );
}
